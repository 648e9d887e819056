"""The point_in_time pattern (``kit/patterns/point_in_time.py``): a dated snapshot per run, and "as of" reads.

A declared job with one output, ``accounts``, and its snapshot table goes through ``write_outputs`` as a job
does, once per day with ``--snapshot_date``. The balances of each day are written out by hand.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, IntegerType, StructField, StructType

from {{ cookiecutter.job_name }}.kit import steps
from {{ cookiecutter.job_name }}.kit.args import JobArgumentError, JobConfig
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.patterns.point_in_time import (
    PATTERN,
    NoSnapshotError,
    PointInTimeError,
    declared_snapshots,
    expired,
    read_as_of,
)
from {{ cookiecutter.job_name }}.kit.testing.data import age_files
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage, job_config
from {{ cookiecutter.job_name }}.kit.testing.frames import frame

ACCOUNTS = StructType([StructField("account_id", IntegerType(), False), StructField("balance", IntegerType(), True)])
SNAPSHOTS = StructType([*ACCOUNTS.fields, StructField("snapshot_date", DateType(), False, {"partition_key": True})])
# The accounts as the source has them on each day.
DAYS = {
    "2024-03-01": [(1, 100), (2, 50)],
    "2024-03-02": [(1, 120), (2, 50), (3, 10)],
    "2024-03-05": [(1, 90), (3, 15)],
}
HOUR = 3600
# The same job keeping 3 days of snapshots.
SHORT_RETENTION_JOB = "accounts_job_3_days"


@pytest.fixture
def accounts_job(declared: DeclaredPackage) -> DeclaredPackage:
    for job, keep in (("accounts_job", 400), (SHORT_RETENTION_JOB, 3)):
        snapshots = {"snapshots": {"accounts_snapshots": "accounts"}, "retention_days": keep}
        declared.writing_job(job, {"accounts": ACCOUNTS, "accounts_snapshots": SNAPSHOTS}, point_in_time=snapshots)
    return declared


def config(*extra: str) -> JobConfig:
    return job_config("accounts_job", *extra)


def run(spark: SparkSession, out: Path, day: str, rows: list[tuple[Any, ...]], job: str = "accounts_job") -> None:
    """One run of the day: the job hands over ``accounts`` only; the pattern adds its snapshot."""
    declaration = load_job(job)
    steps.check_patterns(declaration, config("--snapshot_date", day))
    tables = {"accounts": frame(spark, ACCOUNTS, rows)}
    steps.write_outputs(declaration, tables, {"accounts": str(out / "accounts")}, config("--snapshot_date", day))
    # Files of a run look an hour old before the next one, as between two daily runs.
    age_files(out / "accounts_snapshots", HOUR)


def days(table: Path) -> list[str]:
    return sorted(path.name for path in table.iterdir() if path.is_dir())


def rows(spark: SparkSession, table: str, day: str) -> list[tuple[Any, ...]]:
    return sorted((row.account_id, row.balance) for row in read_as_of(spark, table, day).collect())


def files(table: Path, day: str) -> dict[str, tuple[int, int]]:
    """A day's files with their inode and size: what changes when a file is written again (the test ages them)."""
    folder = table / f"snapshot_date={day}"
    return {path.name: (path.stat().st_ino, path.stat().st_size) for path in folder.iterdir()}


@pytest.fixture
def three_days(spark: SparkSession, accounts_job: DeclaredPackage, tmp_path: Path) -> Path:
    for day, balances in DAYS.items():
        run(spark, tmp_path, day, balances)
    return tmp_path


def test_as_of_each_day_and_between_days_reads_the_latest_snapshot_on_or_before_it(
    spark: SparkSession, three_days: Path
) -> None:
    table = str(three_days / "accounts_snapshots")

    assert rows(spark, table, "2024-03-01") == [(1, 100), (2, 50)]
    assert rows(spark, table, "2024-03-02") == [(1, 120), (2, 50), (3, 10)]
    assert rows(spark, table, "2024-03-04") == [(1, 120), (2, 50), (3, 10)]  # no run on the 3rd and 4th
    assert rows(spark, table, "2024-03-05") == [(1, 90), (3, 15)]
    assert rows(spark, table, "2025-01-01") == [(1, 90), (3, 15)]
    assert {row.snapshot_date.isoformat() for row in read_as_of(spark, table, "2024-03-04").collect()} == {"2024-03-02"}


def test_the_source_output_holds_the_latest_run_only(spark: SparkSession, three_days: Path) -> None:
    latest = sorted(tuple(row) for row in spark.read.parquet(str(three_days / "accounts")).collect())
    assert latest == [(1, 90), (3, 15)]


def test_a_day_before_the_first_snapshot_is_an_error_that_names_the_days_there_are(
    spark: SparkSession, three_days: Path
) -> None:
    with pytest.raises(NoSnapshotError, match="no snapshot on or before 2024-02-29: its snapshots run from 2024-03-01"):
        read_as_of(spark, str(three_days / "accounts_snapshots"), "2024-02-29")


def test_a_rerun_of_a_day_replaces_that_day_only(spark: SparkSession, three_days: Path) -> None:
    table = three_days / "accounts_snapshots"
    before = {day: files(table, day) for day in ("2024-03-01", "2024-03-05")}
    old_day_2 = files(table, "2024-03-02")

    run(spark, three_days, "2024-03-02", [(1, 125), (2, 55)])

    assert rows(spark, str(table), "2024-03-02") == [(1, 125), (2, 55)]
    assert {day: files(table, day) for day in ("2024-03-01", "2024-03-05")} == before
    assert set(files(table, "2024-03-02")).isdisjoint(old_day_2)


def test_snapshots_older_than_the_retention_are_deleted_and_the_rest_kept(
    spark: SparkSession, accounts_job: DeclaredPackage, tmp_path: Path
) -> None:
    table = tmp_path / "accounts_snapshots"
    for day, balances in DAYS.items():
        run(spark, tmp_path, day, balances, SHORT_RETENTION_JOB)
    # retention_days is 3: the run of the 5th keeps the 2nd and later, the run of the 6th keeps the 3rd and later.
    assert days(table) == ["snapshot_date=2024-03-02", "snapshot_date=2024-03-05"]

    run(spark, tmp_path, "2024-03-06", [(1, 80)], SHORT_RETENTION_JOB)

    assert days(table) == ["snapshot_date=2024-03-05", "snapshot_date=2024-03-06"]


def test_expired_days_are_those_more_than_the_retention_before_the_day() -> None:
    days = ["2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"]
    # 2024 is a leap year: two days before 2024-03-02 is 2024-02-29, which is kept.
    assert expired(days, "2024-03-02", 2) == ["2024-02-28"]
    assert expired(days, "2024-03-02", 30) == []


def test_without_the_argument_a_run_files_its_snapshots_under_the_utc_day_it_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 23:30 UTC on 1 March, a machine 14 hours ahead of UTC is on 2 March already: the day is 1 March."""
    monkeypatch.setenv("TZ", "Etc/GMT-14")
    time.tzset()
    monkeypatch.setattr(time, "time", lambda: 1709335800.0)  # 2024-03-01T23:30:00Z
    try:
        assert time.strftime("%Y-%m-%d", time.localtime(time.time())) == "2024-03-02"
        assert PATTERN.parsed_arguments(config()).snapshot_date == "2024-03-01"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_snapshot_date_after_today_is_refused_before_retention_could_count_back_from_it() -> None:
    with pytest.raises(JobArgumentError, match=r"--snapshot_date: .*2999-01-01 is after today \(\d{4}-\d\d-\d\d, UTC"):
        config("--snapshot_date", "2999-01-01")


def test_a_bad_snapshot_date_is_a_job_argument_error() -> None:
    with pytest.raises(JobArgumentError, match=r"--snapshot_date: .*'2024-3-1' is not a date of the form YYYY-MM-DD"):
        config("--snapshot_date", "2024-3-1")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"snapshots": {"history": "accounts"}}, r"names 'history', which is not an output"),
        ({"snapshots": {"accounts_snapshots": "accounts"}, "retention_days": 0}, "at least 1; got 0"),
        ({"snapshots": {"accounts": "accounts_snapshots"}, "retention_days": 5}, "must have snapshot_date as its only"),
        ({"snapshots": {}, "retention_days": 5}, "give 'snapshots'"),
        ({"snapshots": {"accounts_snapshots": "accounts"}, "keep": 5}, r"unknown settings \['keep'\]"),
    ],
)
def test_a_declaration_that_does_not_fit_the_outputs_is_refused(settings: dict[str, Any], message: str) -> None:
    outputs = {"accounts": [], "accounts_snapshots": ["snapshot_date"]}
    with pytest.raises(PointInTimeError, match=message):
        declared_snapshots(outputs, settings)
