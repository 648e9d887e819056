"""Unsupported answers stop the render and leave nothing behind; odd free text renders safely."""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from bakery import render
from cookiecutter.exceptions import CookiecutterException, FailedHookException
from jinja2 import TemplateSyntaxError

# Rejected by the pre-gen hook.
HOOK_REJECTS = [
    {"job_name": "class"},
    {"job_name": "match"},
    {"job_name": "orders-star"},
    {"job_name": "orders star"},
    {"job_name": "2024_orders"},
    {"job_name": "OrdersStar"},
    {"job_name": "café"},
    {"job_name": "a" * 65},
    {"job_name": "orders\n"},
    # Would hide a module: the stdlib one checked at run time, the other from _reserved_module_names.
    {"job_name": "json"},
    {"job_name": "pyspark"},
    {"number_of_workers": "1"},
    {"number_of_workers": "abc"},
    {"aws_region": "eu_west_1"},
    {"aws_region": "EU-WEST-1"},
    {"aws_region": "mars"},
    {"job_description": " "},
    {"job_name": "Bad-Name", "aws_region": "mars", "number_of_workers": "0"},
    # A combination the template does not support.
    {"pattern_point_in_time": True, "include_example": False},
]

# Job names that are paths: cookiecutter makes the project folder (named by ``__repo_dir``) before
# the hook runs, and a folder named by the raw answer would reach outside it (`job/../x` left `job/`).
PATH_JOB_NAMES = ["job/../x", "a/b", "..", "x\\y", ".hidden"]

# Rejected by cookiecutter before any hook runs: not one of a choice variable's choices, not a boolean.
COOKIECUTTER_REJECTS = [
    {"glue_version": "3.0"},
    {"worker_type": "G.025X"},
    {"worker_type": "Z.9X"},
    {"ci": "jenkins"},
    {"include_example": "maybe"},
]


def ids(answer_sets: list[dict[str, Any]]) -> list[str]:
    return [",".join(f"{key}={str(value)[:12]!r}" for key, value in answers.items()) for answers in answer_sets]


@pytest.mark.parametrize("answers", HOOK_REJECTS, ids=ids(HOOK_REJECTS))
def test_hook_rejects_and_leaves_no_directory(tmp_path: Path, cookiecutter_config: Path, answers: dict) -> None:
    with pytest.raises(FailedHookException):
        render(tmp_path, cookiecutter_config, **answers)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("job_name", PATH_JOB_NAMES)
def test_a_path_as_job_name_is_rejected_and_leaves_nothing_anywhere(
    tmp_path: Path, cookiecutter_config: Path, job_name: str
) -> None:
    output_dir = tmp_path / "output"
    output_dir.mkdir()

    with pytest.raises(FailedHookException):
        render(output_dir, cookiecutter_config, job_name=job_name)

    assert list(output_dir.iterdir()) == []
    assert list(tmp_path.iterdir()) == [output_dir]  # nothing written beside it either ('..')


@pytest.mark.parametrize("answers", COOKIECUTTER_REJECTS, ids=ids(COOKIECUTTER_REJECTS))
def test_invalid_choice_is_rejected_and_leaves_no_directory(
    tmp_path: Path, cookiecutter_config: Path, answers: dict
) -> None:
    with pytest.raises(ValueError, match=r"provided for (choice )?variable"):
        render(tmp_path, cookiecutter_config, **answers)
    assert list(tmp_path.iterdir()) == []


def test_empty_job_name_is_rejected_and_leaves_no_directory(tmp_path: Path, cookiecutter_config: Path) -> None:
    # An empty name renders the project directory as output_dir itself, which cookiecutter refuses.
    with pytest.raises(CookiecutterException):
        render(tmp_path, cookiecutter_config, job_name="")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("description", ["half {{ open", "{% raw %} never closed"])
def test_unbalanced_jinja_in_an_answer_is_rejected(tmp_path: Path, cookiecutter_config: Path, description: str) -> None:
    # cookiecutter renders answers as templates (so they can refer to each other): '{{' must be escaped.
    with pytest.raises(TemplateSyntaxError):
        render(tmp_path, cookiecutter_config, job_description=description)
    assert list(tmp_path.iterdir()) == []


def test_free_text_with_quotes_backslashes_braces_and_newlines_renders_safely(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    description = 'Says "hi", it\'s \\back\\slashed\\, \'\'\' and """ quoted,\n<tag> & {{braces}} and {% too'
    owner = 'Data "Platform" <team@example.com> \\ {{ crew }}\nsecond line'

    project = render(
        tmp_path, cookiecutter_config, job_description=escape_jinja(description), owner=escape_jinja(owner)
    )

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == description
    answers = json.loads((project / ".cookiecutter.json").read_text())
    assert (answers["job_description"], answers["owner"]) == (description, owner)
    readme = (project / "README.md").read_text()
    assert description in readme
    assert owner in readme
    for source in project.rglob("*.py"):
        ast.parse(source.read_text(), filename=str(source))


def escape_jinja(text: str) -> str:
    """How a user writes literal '{{' or '{%' in an answer, since cookiecutter renders answers."""
    return text.replace("{{", "{{ '{{' }}").replace("{%", "{{ '{%' }}")
