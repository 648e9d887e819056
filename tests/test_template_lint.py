"""The template's own Python (hooks, scripts, tests, docs hooks) is ruff-clean, so CI checks what `make lint` does."""

from __future__ import annotations

import subprocess

import pytest
from bakery import ROOT, TOOLS_BIN, clean_env


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff(command: list[str]) -> None:
    result = subprocess.run(
        [str(TOOLS_BIN / "ruff"), *command, "--no-cache", "."],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
