"""A job name may not be a module the job imports: its package (``src/<job_name>/``) would hide it.

The names live in cookiecutter.json under ``_reserved_module_names``, written by
``scripts/sync_reserved_names.py``; the bake test below fails when a rendered repo's venv has a
module the table lacks, so a new dependency cannot slip a name past the hook.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from bakery import ROOT, default_answers, hook_context, load_module, template_config
from test_bake import render_with_venv, xdist_group

hook = load_module(ROOT / "hooks" / "pre_gen_project.py")
sync = load_module(ROOT / "scripts" / "sync_reserved_names.py")

RESERVED = template_config()["_reserved_module_names"]
PUBLIC_STDLIB = sorted(name for name in sys.stdlib_module_names if not name.startswith("_"))


def rejection(job_name: str, answers: dict[str, Any] | None = None) -> str:
    (error,) = hook.validate(answers or hook_context(job_name=job_name))
    return error


@pytest.mark.parametrize("name", PUBLIC_STDLIB)
def test_every_stdlib_module_of_this_python_is_rejected_without_the_stored_table(name: str) -> None:
    # The hook also asks its own Python, so a Python newer than the stored table is covered.
    error = rejection(name, {**default_answers(), "job_name": name})
    # cProfile is turned down for its capital first.
    assert "(Python standard library)" in error if name.islower() else "has upper case" in error


def test_every_stored_name_is_rejected_and_its_suggestion_accepted() -> None:
    # Capitalised names (PIL) are rejected as upper case; each lower-case one for what it would hide.
    for name in RESERVED:
        assert hook.validate(hook_context(job_name=name)) != [], name
        if name.islower():
            assert f"'{name}_job'" in rejection(name), name
            assert hook.validate(hook_context(job_name=f"{name}_job")) == [], name


@pytest.mark.parametrize(
    ("job_name", "source"),
    [
        ("json", "Python standard library"),
        ("logging", "Python standard library"),
        ("test", "Python standard library"),  # not in sys.stdlib_module_names: the stored table has it
        ("pyspark", "installed by pyspark"),
        ("boto3", "installed by boto3"),
        ("pydantic", "installed by pydantic"),
        ("moto", "installed by moto"),
        ("numpy", "installed by numpy"),  # a Glue runtime library, not a dependency of the rendered repo
        ("yaml", "installed by PyYAML"),
        ("google", "installed by googleapis-common-protos and protobuf"),  # a namespace of two
    ],
)
def test_a_module_name_is_rejected_naming_where_the_module_comes_from(job_name: str, source: str) -> None:
    assert rejection(job_name) == (
        f"job_name '{job_name}' is the name of a module the job imports ({source}) — as the package name "
        f"it would hide that module. Add a word, e.g. '{job_name}_job'."
    )


@pytest.mark.parametrize("job_name", ["orders_star_schema", "daily_export", "json_job", "warehouse_loader"])
def test_a_name_no_module_has_is_accepted(job_name: str) -> None:
    assert hook.validate(hook_context(job_name=job_name)) == []


def test_the_stored_table_is_sorted_and_names_a_source_for_each_name() -> None:
    assert list(RESERVED) == sorted(RESERVED)
    assert all(name.isidentifier() and not name.startswith("_") for name in RESERVED)
    assert all(isinstance(source, str) and source for source in RESERVED.values())


def test_the_stored_table_covers_every_glue_python_s_stdlib_and_every_glue_library() -> None:
    stdlib = {name for name, source in RESERVED.items() if source == sync.STANDARD_LIBRARY}
    # 3.10 to 3.13: modules 3.13 removed (asynchat, imp) and ones 3.12 added (tomllib is 3.11).
    assert {"asynchat", "imp", "distutils", "tomllib", "test", "json"} <= stdlib
    # A module several distributions install names them all ('google': "googleapis-common-protos and protobuf").
    sources = {sync.canonical(dist) for source in RESERVED.values() for dist in re.split(r", | and ", source)}
    missing = {package for package in sync.glue_runtime_packages() if sync.canonical(package) not in sources}
    assert missing == set(), f"Glue runtime packages with no reserved name: {sorted(missing)}"


def test_record_paths_give_the_top_level_modules() -> None:
    paths = [
        "pkg/__init__.py",
        "pkg/sub/mod.py",
        "module.py",
        "fast.cpython-311-x86_64-linux-gnu.so",
        "pkg-1.0.dist-info/RECORD",
        "__pycache__/module.cpython-311.pyc",
        "../../bin/tool",
        "_private.py",
        "hook.pth",
        "boto3-stubs/__init__.pyi",
    ]
    names = {sync.record_top_level(path) for path in paths}
    assert {name for name in names if sync.is_public_module_name(name)} == {"pkg", "module", "fast"}


def test_this_venv_s_modules_are_read_from_its_metadata() -> None:
    # The tools of the template venv: RECORD parsing against real installed distributions.
    computed = sync.compute(sys.executable)
    assert computed["pytest"] == "pytest"
    assert computed["yaml"] == "PyYAML"
    assert computed["json"] == sync.STANDARD_LIBRARY
    assert "glue_template" not in computed


@pytest.mark.bake
@xdist_group("5.1")
def test_the_stored_table_has_every_module_of_the_rendered_venv(tmp_path: Path, cookiecutter_config: Path) -> None:
    project, venv = render_with_venv(tmp_path, cookiecutter_config)

    computed = sync.compute(str(venv / "bin" / "python"))

    # The stored table is the union over every Glue version's venv: this one is a subset.
    missing = {name: source for name, source in computed.items() if name not in RESERVED}
    assert missing == {}, f"run scripts/sync_reserved_names.py: the 5.1 venv has modules the table lacks: {missing}"
    assert project.name not in computed  # the rendered job itself is not a dependency
