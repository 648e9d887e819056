"""The template's own Python (hooks, scripts, tests, docs hooks) is ruff-clean, so CI checks what `make lint` does."""

from __future__ import annotations

import pytest
from bakery import TOOLS_BIN, run_command


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff(command: list[str]) -> None:
    failure = run_command([str(TOOLS_BIN / "ruff"), *command, "--no-cache", "."])
    assert failure is None, failure
