"""The reprocessing pattern in the repo's job: ``--reprocess_dates`` rebuilds those partitions and no other file.

The job runs whole on its sample data; its files are aged an hour, as if written long before; then it runs
again with one date to rebuild. Expected rows per partition come from the sample CSV (``*_under_test``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.results import RunSummary
from {{ cookiecutter.job_name }}.kit.testing.data import age_files

from .{{ cookiecutter.__job_module }}_under_test import JOB

HOUR = 3600
(OUTPUT, (COLUMN, ROWS_BY_DATE)) = next(iter(JOB.partitions.items()))
DATE = sorted(ROWS_BY_DATE)[len(ROWS_BY_DATE) // 2]


@dataclass(frozen=True)
class Reprocessed:
    before: dict[str, float]
    after: dict[str, float]
    summary: RunSummary
    table: Path


def files(table: Path) -> dict[str, float]:
    return {path.relative_to(table).as_posix(): path.stat().st_mtime for path in table.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def reprocessed(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Reprocessed:
    root = tmp_path_factory.mktemp("reprocessing")
    output, quarantine = root / "output", root / "quarantine"
    JOB.run(spark, JOB.sample, output, quarantine)
    table = JOB.table(output, OUTPUT)
    age_files(table, HOUR)
    before = files(table)
    summary = JOB.run(spark, JOB.sample, output, quarantine, "--reprocess_dates", DATE)
    return Reprocessed(before, files(table), summary, table)


def in_partition(listing: dict[str, float], value: str) -> dict[str, float]:
    return {name: when for name, when in listing.items() if name.startswith(f"{COLUMN}={value}/")}


def test_every_file_outside_the_reprocessed_date_is_untouched(reprocessed: Reprocessed) -> None:
    def outside(listing: dict[str, float]) -> dict[str, float]:
        return {name: when for name, when in listing.items() if not name.startswith(f"{COLUMN}={DATE}/")}

    assert outside(reprocessed.after) == outside(reprocessed.before)
    assert len(outside(reprocessed.before)) >= len(ROWS_BY_DATE) - 1


def test_the_reprocessed_date_holds_new_files_only_with_all_of_its_rows(
    spark: SparkSession, reprocessed: Reprocessed
) -> None:
    new, old = in_partition(reprocessed.after, DATE), in_partition(reprocessed.before, DATE)
    assert new
    assert old
    assert set(new).isdisjoint(old)
    rows = spark.read.parquet(str(reprocessed.table)).where(f"CAST({COLUMN} AS STRING) = '{DATE}'").count()
    assert rows == ROWS_BY_DATE[DATE]
    assert spark.read.parquet(str(reprocessed.table)).count() == sum(ROWS_BY_DATE.values())


def test_the_run_summary_says_what_was_rebuilt(reprocessed: Reprocessed) -> None:
    assert [note for note in reprocessed.summary.notes if note.startswith(f"rebuilt {OUTPUT} ")] == [
        f"rebuilt {OUTPUT} where {COLUMN} is {DATE}: {ROWS_BY_DATE[DATE]} rows, "
        f"{len([name for name in in_partition(reprocessed.after, DATE) if name.endswith('.parquet')])} files; "
        "its other partitions are as they were"
    ]
