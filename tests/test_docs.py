"""The documentation site builds with every warning treated as an error."""

from __future__ import annotations

from pathlib import Path

from bakery import TOOLS_BIN, run_command


def test_mkdocs_build_is_strict_clean(tmp_path: Path) -> None:
    site = tmp_path / "site"
    failure = run_command([str(TOOLS_BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site)])
    assert failure is None, failure
    assert (site / "index.html").is_file()
    assert (site / "options" / "index.html").is_file()
