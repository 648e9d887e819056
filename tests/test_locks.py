"""Each Glue version's shipped uv.lock still fits the pyproject.toml it renders with (`make lock` re-generates them).

``uv lock --check`` only compares: no venv, no install, a fraction of a second per version while the locks are
current. Every render here has a job name other than the default one the locks are written from, so a name
hard-coded in a lock (rather than the Jinja expression) fails too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bakery import ROOT, glue_python, render, run_command, template_config

GLUE = template_config()["_glue"]


@pytest.mark.parametrize("glue_version", list(GLUE))
def test_the_shipped_lock_is_current(glue_version: str, tmp_path: Path, cookiecutter_config: Path) -> None:
    job_name = f"lock_check_{glue_version.replace('.', '_')}"
    project = render(tmp_path, cookiecutter_config, glue_version=glue_version, job_name=job_name)
    python = glue_python(GLUE[glue_version]["python"])

    # From ROOT, with --directory: a pyenv shim for uv answers for the template's Python, not for every render's.
    failure = run_command(["uv", "--directory", str(project), "lock", "--check", "--python", python], ROOT, 120)

    if failure:
        pytest.fail(
            f"uv.glue-{glue_version}.lock no longer fits the render: run `make lock`.\n{failure}", pytrace=False
        )
