"""The bundled sample data passes ``make schema-check``: the job would accept every file of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.cli.schema_check import main

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


def test_every_bundled_sample_folder_is_checked_and_passes(
    spark: SparkSession, capsys: pytest.CaptureFixture[str]
) -> None:
    # The folders that hold CSV files, found by walking the tree: each one is a dataset's sample.
    folders = sorted({path.parent for path in SAMPLE_DATA.rglob("*.csv")})

    code = main(["--no-catalog", "--sample-data", str(SAMPLE_DATA)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0, "\n".join(lines)
    assert sorted(line.split(": ", 1)[1] for line in lines if line.startswith("  OK  ")) == [
        str(folder) for folder in folders
    ]
    assert lines[-1] == "0 breaking, 0 compatible change(s)."
