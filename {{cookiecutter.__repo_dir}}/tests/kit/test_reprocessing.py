"""The reprocessing pattern (``kit/patterns/reprocessing.py``): ``--reprocess_dates`` rebuilds those dates only.

A declared job with one date-partitioned output goes through ``write_outputs`` as a job does. The first run
writes the table whole; its files are then aged an hour, as if written long before the next run started.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, IntegerType, StringType, StructField, StructType, TimestampType

from {{ cookiecutter.job_name }}.kit import steps
from {{ cookiecutter.job_name }}.kit.args import JobArgumentError, JobConfig
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.io.writers import write_table
from {{ cookiecutter.job_name }}.kit.patterns.reprocessing import (
    ReprocessingError,
    check_date_column,
    declared_columns,
    parse_dates,
)
from {{ cookiecutter.job_name }}.kit.testing.data import age_files
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage, job_config
from {{ cookiecutter.job_name }}.kit.testing.frames import frame

SALES = StructType(
    [StructField("sale_id", IntegerType(), False), StructField("sale_date", DateType(), False, {"partition_key": True})]
)
DAY_1, DAY_2 = date(2024, 1, 1), date(2024, 1, 2)
FIRST = [(1, DAY_1), (2, DAY_1), (3, DAY_2)]
# The source since then: day 1 has lost sale 2 and gained sale 5, day 2 has sale 7 instead of 3.
LATER = [(1, DAY_1), (5, DAY_1), (7, DAY_2)]
HOUR = 3600


@pytest.fixture
def sales_job(declared: DeclaredPackage) -> DeclaredPackage:
    declared.writing_job("sales_job", {"sales": SALES}, reprocessing={"sales": "sale_date"})
    return declared


def config(*extra: str) -> JobConfig:
    return job_config("sales_job", *extra)


def write(spark: SparkSession, rows: list[tuple[Any, ...]], table: Path, *extra: str) -> list[str]:
    _, notes = steps.write_outputs(
        load_job("sales_job"), {"sales": frame(spark, SALES, rows)}, {"sales": str(table)}, config(*extra)
    )
    return notes


def first_run(spark: SparkSession, table: Path) -> dict[str, float]:
    """The table written whole from FIRST, then aged; its files with their times."""
    write(spark, FIRST, table)
    age_files(table, HOUR)
    return files(table)


def files(table: Path) -> dict[str, float]:
    return {path.relative_to(table).as_posix(): path.stat().st_mtime for path in table.rglob("*") if path.is_file()}


def in_partition(listing: dict[str, float], day: date) -> dict[str, float]:
    return {name: when for name, when in listing.items() if name.startswith(f"sale_date={day.isoformat()}/")}


def read(spark: SparkSession, table: Path) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in spark.read.parquet(str(table)).collect())


def test_reprocessing_one_date_rebuilds_that_partition_from_the_source_and_leaves_every_other_file(
    spark: SparkSession, sales_job: DeclaredPackage, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"
    before = first_run(spark, table)
    # A killed run's staging beside the table: swept by this write, as by any.
    (tmp_path / "out" / ".sales.versions" / "killed-0f1e2d3c").mkdir()

    notes = write(spark, LATER, table, "--reprocess_dates", "2024-01-01")

    assert read(spark, table) == [(1, DAY_1), (3, DAY_2), (5, DAY_1)]
    after = files(table)
    assert in_partition(after, DAY_2) == in_partition(before, DAY_2)
    assert set(in_partition(after, DAY_1)).isdisjoint(in_partition(before, DAY_1))
    assert notes == [
        "rebuilt sales where sale_date is 2024-01-01: 2 rows, 1 files; its other partitions are as they were"
    ]
    assert len(os.listdir(tmp_path / "out" / ".sales.versions")) == 1


def test_without_the_argument_a_run_rebuilds_the_table_whole(
    spark: SparkSession, sales_job: DeclaredPackage, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"
    first_run(spark, table)

    assert write(spark, LATER, table) == []

    assert read(spark, table) == LATER


def test_a_reprocessed_date_without_rows_in_the_source_empties_its_partition(
    spark: SparkSession, sales_job: DeclaredPackage, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"
    before = first_run(spark, table)

    write(spark, [(7, DAY_2)], table, "--reprocess_dates", "2024-01-01")

    assert read(spark, table) == [(3, DAY_2)]
    assert files(table) == {name: when for name, when in before.items() if "2024-01-01" not in name}


def test_a_failure_during_the_write_leaves_the_old_partition_intact_and_readable(
    spark: SparkSession, sales_job: DeclaredPackage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "out" / "sales"
    before = first_run(spark, table)

    def write_then_fail(df: Any, path: str, **options: Any) -> None:
        write_table(df, path, **options)
        raise OSError("connection reset")

    monkeypatch.setattr(steps, "write_table", write_then_fail)
    with pytest.raises(OSError, match="connection reset"):
        write(spark, LATER, table, "--reprocess_dates", "2024-01-01")

    assert files(table) == before
    assert read(spark, table) == FIRST


def test_dates_are_parsed_sorted_and_once_each() -> None:
    assert parse_dates(" 2024-03-02,2024-03-01 ,2024-03-02") == ("2024-03-01", "2024-03-02")
    assert parse_dates(None) == ()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("2024-3-1", r"\['2024-3-1'\] is not a date of the form YYYY-MM-DD"),
        ("2024-02-30,yesterday", r"\['2024-02-30', 'yesterday'\] are not dates of the form YYYY-MM-DD"),
        ("2024-03-01,", "with no empty item"),
    ],
)
def test_a_bad_date_is_a_job_argument_error_that_names_the_argument(given: str, message: str) -> None:
    with pytest.raises(JobArgumentError, match=rf"--reprocess_dates: .*{message}"):
        config("--reprocess_dates", given)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"returns": "sale_date"}, r"names 'returns', which is not an output of the job: \['sales', 'totals'\]"),
        ({"sales": "sale_id"}, r"give its first partition key \(sale_date\), got 'sale_id'"),
        ({"totals": "day"}, r"give its first partition key \(it has none\)"),
    ],
)
def test_a_declaration_that_does_not_fit_the_outputs_is_refused(settings: dict[str, str], message: str) -> None:
    outputs = {"sales": ["sale_date"], "totals": []}
    with pytest.raises(ReprocessingError, match=message):
        declared_columns(outputs, settings)


@pytest.mark.parametrize("data_type", [TimestampType(), StringType(), IntegerType()])
def test_a_partition_column_that_is_not_a_date_is_refused(data_type: Any) -> None:
    """Its folders are not named by ISO dates: --reprocess_dates would match nothing and rebuild nothing."""
    with pytest.raises(ReprocessingError, match=f"partition column day is {data_type.simpleString()}, not a date"):
        check_date_column("sales", "day", data_type)
    check_date_column("sales", "day", DateType())
