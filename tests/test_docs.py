"""The documentation site builds with every warning treated as an error."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bakery import ROOT, TOOLS_BIN, clean_env


def test_mkdocs_build_is_strict_clean(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [str(TOOLS_BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / "index.html").is_file()
    assert (site / "options" / "index.html").is_file()
