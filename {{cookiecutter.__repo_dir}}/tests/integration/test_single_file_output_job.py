"""The single_file_output pattern in the repo's job: the declared export, only with --export_path.

The export is checked on disk: one file with the declared name, its header, and the rows of the Parquet table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.results import RunSummary

from .job_under_test import JobRun, files_by_folder
from .{{ cookiecutter.__job_module }}_under_test import JOB

EXPORTED, FILE_NAME = JOB.export


@dataclass(frozen=True)
class Run:
    summary: RunSummary
    output: Path
    export_path: Path


@pytest.fixture(scope="module")
def plain(plain_run: JobRun) -> Run:
    """A run without --export_path (the run other job tests read too)."""
    return Run(plain_run.summary, plain_run.output, plain_run.output.parent / "exports")


@pytest.fixture(scope="module")
def exported(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("exported")
    export_path = root / "exports"
    summary = JOB.run(spark, JOB.sample, root / "output", root / "quarantine", "--export_path", str(export_path))
    return Run(summary, root / "output", export_path)


@pytest.fixture(scope="module")
def reexported(spark: SparkSession, exported: Run) -> tuple[Run, str]:
    """The exported run again, over its own output and export; and what its export held before."""
    file = exported.export_path / FILE_NAME
    before = file.read_text(encoding="utf-8")
    # Whatever is there is replaced, even a file changed since the last run.
    file.write_text("stale\n", encoding="utf-8")
    root = exported.output.parent
    extra = ("--export_path", str(exported.export_path))
    summary = JOB.run(spark, JOB.sample, exported.output, root / "quarantine", *extra)
    return Run(summary, exported.output, exported.export_path), before


def exports(summary: RunSummary) -> list[str]:
    """The run summary's lines about exports (other patterns add lines of their own)."""
    return [note for note in summary.notes if note.startswith("exported ")]


def test_without_export_path_nothing_is_exported(plain: Run) -> None:
    assert exports(plain.summary) == []
    assert "exported" not in plain.summary.describe()
    assert list(plain.output.parent.rglob(FILE_NAME)) == []


def test_export_path_does_not_change_the_tables_files(plain: Run, exported: Run) -> None:
    def layout(run: Run) -> dict[str, dict[str, int]]:
        return {name: files_by_folder(JOB.table(run.output, name)) for name in JOB.folders}

    assert layout(exported) == layout(plain)


def test_the_export_is_one_file_with_a_header_and_the_rows_of_the_table(spark: SparkSession, exported: Run) -> None:
    table = spark.read.parquet(str(JOB.table(exported.output, EXPORTED)))
    file = exported.export_path / FILE_NAME

    assert exports(exported.summary) == [f"exported {EXPORTED} as one csv file: {file}"]
    assert sorted(path.name for path in exported.export_path.iterdir()) == [FILE_NAME]
    with file.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == table.columns
    assert len(rows) == JOB.rows[EXPORTED]
    assert_df_equality(
        spark.read.schema(table.schema).option("header", "true").csv(str(file)),
        table,
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_a_rerun_replaces_the_file_and_leaves_nothing_beside_it(reexported: tuple[Run, str]) -> None:
    rerun, before = reexported

    assert sorted(path.name for path in rerun.export_path.iterdir()) == [FILE_NAME]
    after = (rerun.export_path / FILE_NAME).read_text(encoding="utf-8")
    assert sorted(after.splitlines()) == sorted(before.splitlines())
    assert exports(rerun.summary) == [f"exported {EXPORTED} as one csv file: {rerun.export_path / FILE_NAME}"]
