"""The point_in_time pattern in the repo's job: each run files a snapshot of the declared outputs by day.

The job runs twice on its sample data, on two days (``--snapshot_date``). Each snapshot table then holds two
days, each with the rows its source output has, and "as of" either day reads that day's snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType

from {{ cookiecutter.job_name }}.kit.declarations import load_contract, load_job
from {{ cookiecutter.job_name }}.kit.patterns.point_in_time import read_as_of
from {{ cookiecutter.job_name }}.kit.results import RunSummary

from .{{ cookiecutter.__job_module }}_under_test import JOB

DAYS = ("2024-06-01", "2024-06-02")
# Snapshot table -> the output it copies, as the job's declaration has it.
SNAPSHOTS: dict[str, str] = load_job(JOB.name).settings_for("point_in_time")["snapshots"]


@dataclass(frozen=True)
class Runs:
    output: Path
    summaries: list[RunSummary]

    def source(self, snapshot: str) -> Path:
        return JOB.table(self.output, SNAPSHOTS[snapshot])

    def snapshot(self, snapshot: str) -> Path:
        """A snapshot table lives beside the output it copies."""
        return self.source(snapshot).parent / snapshot


@pytest.fixture(scope="module")
def runs(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("point-in-time")
    summaries = [
        JOB.run(spark, JOB.sample, root / "output", root / "quarantine", "--snapshot_date", day) for day in DAYS
    ]
    return Runs(root / "output", summaries)


def test_each_snapshot_contract_is_its_sources_columns_and_the_snapshot_date() -> None:
    for snapshot, source in SNAPSHOTS.items():
        columns = [(f.name, f.dataType, f.nullable) for f in load_contract(source).schema.fields]
        assert [(f.name, f.dataType, f.nullable) for f in load_contract(snapshot).schema.fields] == [
            *columns,
            ("snapshot_date", DateType(), False),
        ]
        assert load_contract(snapshot).partition_keys == ["snapshot_date"]


def test_every_snapshot_table_holds_one_folder_per_day(runs: Runs) -> None:
    assert SNAPSHOTS
    for snapshot in SNAPSHOTS:
        folders = sorted(path.name for path in runs.snapshot(snapshot).iterdir() if path.is_dir())
        assert folders == [f"snapshot_date={day}" for day in DAYS], snapshot


def test_as_of_each_day_reads_the_rows_and_columns_of_the_output_it_copies(spark: SparkSession, runs: Runs) -> None:
    for snapshot in SNAPSHOTS:
        source = spark.read.parquet(str(runs.source(snapshot)))
        for day in DAYS:
            as_of = read_as_of(spark, str(runs.snapshot(snapshot)), day)
            assert as_of.columns == [*source.columns, "snapshot_date"], snapshot
            assert as_of.count() == source.count() > 0, (snapshot, day)
            assert {row.snapshot_date.isoformat() for row in as_of.select("snapshot_date").collect()} == {day}


def test_the_run_summary_counts_each_snapshot_as_a_written_table(runs: Runs) -> None:
    for summary in runs.summaries:
        assert set(SNAPSHOTS) <= {table.name for table in summary.written}
