"""The pre-gen hook rejects every bad answer with one line: ``ERROR: <what>. <how to fix>``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bakery import ROOT, default_answers, hook_context, load_module, template_config

hook = load_module(ROOT / "hooks" / "pre_gen_project.py")

# "ERROR: ", what is wrong, ". ", how to fix it (a sentence of its own), final full stop.
MESSAGE = re.compile(r"^ERROR: (?P<what>[^\n]+?)\. (?P<fix>[A-Z][^\n]*)\.$")

# (answer, bad value, words the "what" part must contain)
BAD_ANSWERS = [
    ("job_name", "class", "job_name 'class' is a Python keyword"),
    ("job_name", "match", "job_name 'match' is a Python keyword"),
    ("job_name", "orders-star", "job_name 'orders-star' has hyphens"),
    ("job_name", "orders star", "job_name 'orders star' has spaces"),
    ("job_name", "2024_orders", "job_name '2024_orders' starts with a digit"),
    ("job_name", "OrdersStar", "job_name 'OrdersStar' has upper case"),
    ("job_name", "café", "job_name 'café' has non-ASCII characters"),
    ("job_name", "", "job_name is empty"),
    ("job_name", "a" * 65, "job_name is 65 characters; the limit is 40"),
    ("job_name", "a" * 41, "job_name is 41 characters; the limit is 40"),
    # Would name a folder outside the package (cookiecutter makes the project folder from the answer).
    ("job_name", "job/../x", "job_name 'job/../x' has characters other than a-z, 0-9 and '_' ('/', '.')"),
    ("job_name", "a/b", "job_name 'a/b' has characters other than a-z, 0-9 and '_' ('/')"),
    ("job_name", "x\\y", "job_name 'x\\y' has characters other than a-z, 0-9 and '_' ('\\')"),
    ("job_name", "..", "job_name '..' has characters other than a-z, 0-9 and '_' ('.')"),
    ("job_name", ".hidden", "job_name '.hidden' has characters other than a-z, 0-9 and '_' ('.')"),
    # Would hide a module the job imports (tests/test_reserved_names.py checks every such name).
    ("job_name", "json", "job_name 'json' is the name of a module the job imports (Python standard library)"),
    ("job_name", "pyspark", "job_name 'pyspark' is the name of a module the job imports (installed by pyspark)"),
    ("glue_version", "3.0", "glue_version '3.0' is not supported"),
    ("worker_type", "G.025X", "worker_type 'G.025X' is not supported"),
    ("worker_type", "Z.9X", "worker_type 'Z.9X' is not supported"),
    ("number_of_workers", "1", "number_of_workers is 1; Glue Spark jobs need at least 2"),
    ("number_of_workers", "abc", "number_of_workers 'abc' is not a whole number"),
    ("aws_region", "eu_west_1", "aws_region 'eu_west_1' is not an AWS region name"),
    ("aws_region", "EU-WEST-1", "aws_region 'EU-WEST-1' is not an AWS region name"),
    ("aws_region", "mars", "aws_region 'mars' is not an AWS region name"),
    ("ci", "jenkins", "ci 'jenkins' is not supported"),
    ("schema_format", "json-schema", "schema_format 'json-schema' is not supported"),
    ("job_description", "   ", "job_description is empty"),
    ("owner", "", "owner is empty"),
    ("pattern_output_file_count", "maybe", "pattern_output_file_count must be true or false"),
]


def run_main(capsys: pytest.CaptureFixture[str], answers: dict[str, Any]) -> tuple[int, list[str]]:
    code = hook.main(answers)
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err.splitlines()


def test_default_answers_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert hook.validate(default_answers()) == []
    assert run_main(capsys, default_answers()) == (0, [])


@pytest.mark.parametrize(
    ("answer", "value", "what"),
    BAD_ANSWERS,
    ids=[f"{answer}={value[:12]!r}" for answer, value, _ in BAD_ANSWERS],
)
def test_bad_answer_is_one_error_line(capsys: pytest.CaptureFixture[str], answer: str, value: str, what: str) -> None:
    code, lines = run_main(capsys, hook_context(**{answer: value}))

    assert code == 1
    assert len(lines) == 1, lines
    match = MESSAGE.match(lines[0])
    assert match, f"not 'ERROR: <what>. <how to fix>': {lines[0]!r}"
    assert match["what"].startswith(what)


@pytest.mark.parametrize(("answer", "value"), [("job_name", "orders\n"), ("aws_region", "eu-west-1\n")])
def test_a_trailing_newline_is_rejected(answer: str, value: str) -> None:
    # A regex `$` also matches before a final newline: names and regions must match whole.
    (error,) = hook.validate({**default_answers(), answer: value})
    assert error.startswith(f"{answer} '{value}'")


@pytest.mark.parametrize(
    ("job_name", "suggestion"),
    [("class", "class_job"), ("match", "match_job"), ("json", "json_job"), ("pyspark", "pyspark_job")],
)
def test_keyword_or_module_error_suggests_a_name_that_works(job_name: str, suggestion: str) -> None:
    (error,) = hook.validate(hook_context(job_name=job_name))
    assert f"'{suggestion}'" in error
    assert hook.validate(hook_context(job_name=suggestion)) == []


def test_a_path_in_the_job_name_is_one_line_that_says_what_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run_main(capsys, hook_context(job_name="job/../x"))

    assert code == 1
    assert lines == [
        "ERROR: job_name 'job/../x' has characters other than a-z, 0-9 and '_' ('/', '.'). "
        "Use lower-case snake_case starting with a letter, e.g. 'orders_star_schema'."
    ]


def test_a_forty_character_name_is_accepted() -> None:
    # The longest name allowed; the bake matrix renders it and lints the result.
    assert hook.validate({**default_answers(), "job_name": "warehouse_orders_daily_snapshots_to_gold"}) == []


@pytest.mark.parametrize("workers", ["2", "10", 40])
def test_two_or_more_workers_are_accepted(workers: object) -> None:
    assert hook.validate({**default_answers(), "number_of_workers": workers}) == []


@pytest.mark.parametrize("region", ["us-east-1", "ap-southeast-2", "us-gov-west-1", "eu-central-2"])
def test_real_regions_are_accepted(region: str) -> None:
    assert hook.validate({**default_answers(), "aws_region": region}) == []


def test_every_glue_version_and_worker_type_offered_is_accepted() -> None:
    choices = template_config()
    for glue_version in choices["glue_version"]:
        for worker_type in choices["worker_type"]:
            answers = {**default_answers(), "glue_version": glue_version, "worker_type": worker_type}
            assert hook.validate(answers) == [], (glue_version, worker_type)


def test_every_schema_format_offered_is_accepted() -> None:
    for schema_format in template_config()["schema_format"]:
        assert hook.validate({**default_answers(), "schema_format": schema_format}) == [], schema_format


def test_several_bad_answers_are_all_reported(capsys: pytest.CaptureFixture[str]) -> None:
    answers = {
        **default_answers(),
        "job_name": "Bad-Name",
        "glue_version": "3.0",
        "number_of_workers": "1",
        "aws_region": "mars",
    }

    code, lines = run_main(capsys, answers)

    assert code == 1
    assert [line.split(" ", 2)[1] for line in lines] == ["job_name", "glue_version", "number_of_workers", "aws_region"]
    assert all(MESSAGE.match(line) for line in lines), lines


def test_point_in_time_without_the_example_is_one_error_that_says_what_to_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = {**default_answers(), "pattern_point_in_time": True, "include_example": False}

    assert hook.main(answers) == 1

    assert capsys.readouterr().err == (
        "ERROR: pattern_point_in_time needs include_example: it snapshots the example's dimension tables, and the "
        "minimal job has none. Answer include_example=yes, or pattern_point_in_time=no.\n"
    )


def test_point_in_time_with_the_example_is_accepted() -> None:
    assert hook.validate({**default_answers(), "pattern_point_in_time": True}) == []
