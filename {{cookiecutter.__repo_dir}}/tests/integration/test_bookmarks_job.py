"""The bookmarks pattern in the repo's job: a run reads only the files that are new since the last one.

The job runs on a copy of its sample data with ``--job-bookmark-option job-bookmark-enable`` and a local
bookmark store; a new file then arrives in its bookmarked input, and the job runs again, then once more
with nothing new. The new file's rows and what they give are written by hand below; the rest of the
expected table comes from the sample CSV files (``*_under_test``).

A job whose bookmarked input is a change feed (the minimal job with the change-records pattern) folds each
change once: its tests are the last two below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.patterns.bookmarks import BookmarkStore
from {{ cookiecutter.job_name }}.kit.results import RunSummary
from {{ cookiecutter.job_name }}.kit.testing.data import age_files

from .job_under_test import csv_rows
from .{{ cookiecutter.__job_module }}_under_test import JOB

HOUR = 3600
SETTINGS = load_job(JOB.name).settings_for("bookmarks")
BOOKMARKED = SETTINGS["inputs"][0]
MERGED = next(iter(SETTINGS.get("merge", {})), None)
ENABLE = ("--job-bookmark-option", "job-bookmark-enable")


def new_order_line() -> tuple[str, str, str]:
    """An order line for the sample's first order, of a product that order does not hold yet (read off the
    sample CSV): the line, and its order's date."""
    lines = csv_rows(JOB.sample / "orderdetails" / "orderdetails.csv")
    order = lines[0]["orderNumber"]
    held = {line["productCode"] for line in lines if line["orderNumber"] == order}
    product = next(
        row["productCode"]
        for row in csv_rows(JOB.sample / "products" / "products.csv")
        if row["productCode"] not in held
    )
    order_date = next(
        row["orderDate"] for row in csv_rows(JOB.sample / "orders" / "orders.csv") if row["orderNumber"] == order
    )
    return f"{order},{product},10,50.00,99", order, order_date


@dataclass(frozen=True)
class Arrival:
    """A file that arrives after the first run: where, what, and what the table should then hold."""

    folder: str  # under the raw path ("" when the raw path is the input's own folder)
    name: str
    text: str
    rows: int
    # Partition value -> rows, for the partitions the file changes (0: the partition is gone).
    changed: dict[str, int]
    # The table's rows after the second run, and a check of the new rows.
    total: int
    check: Callable[[list[dict[str, Any]]], bool]


def _star_schema() -> Arrival:
    line, order, order_date = new_order_line()
    header = "orderNumber,productCode,quantityOrdered,priceEach,orderLineNumber\n"
    _, by_date = JOB.partitions["fact_orders"]
    return Arrival(
        folder="orderdetails",
        name="orderdetails-late.csv",
        text=f"{header}{line}\n",
        rows=1,
        changed={order_date: by_date[order_date] + 1},
        total=JOB.rows["fact_orders"] + 1,
        check=lambda rows: (
            sum(1 for row in rows if str(row["order_number"]) == order and row["order_line_number"] == 99) == 1
        ),
    )


def _minimal() -> Arrival:
    # Record 5 is new; record 1 comes again, later, on another day: its 2024-03-01 partition is then empty.
    text = "record_id,category,amount,recorded_at\n5,Toys,3.00,2024-03-04T09:00:00\n1,Books,99.00,2024-03-05T10:00:00\n"
    return Arrival(
        folder="",
        name="records-late.csv",
        text=text,
        rows=2,
        changed={"2024-03-01": 0, "2024-03-04": 1, "2024-03-05": 1},
        total=JOB.rows["clean_records"] + 1,
        check=lambda rows: (
            {row["record_id"]: str(row["amount"]) for row in rows if row["record_id"] in (1, 5)}
            == {1: "99.00", 5: "3.00"}
        ),
    )


ARRIVALS = {"star_schema": _star_schema, "minimal": _minimal}


@dataclass(frozen=True)
class Runs:
    root: Path
    raw: Path

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def store(self) -> Path:
        return self.root / "bookmarks"

    def run(self, spark: SparkSession, run_id: str, *extra: str) -> RunSummary:
        arguments = ("--JOB_RUN_ID", run_id, "--bookmark_store", str(self.store), *extra)
        try:
            return JOB.run(spark, self.raw, self.output, self.root / "quarantine", *arguments)
        finally:
            # As if written long before the next run: a partition is replaced by the files older than its start.
            age_files(self.output.parent, HOUR)

    def files(self, table: str) -> list[str]:
        folder = JOB.table(self.output, table)
        return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.parquet"))

    def history(self) -> list[str]:
        return [bookmark.run_id for bookmark in BookmarkStore(str(self.store), JOB.name).history()]


def rows_read(summary: RunSummary, dataset: str = BOOKMARKED) -> int:
    return next(report.rows_in for report in summary.inputs if report.dataset == dataset)


def in_partition(files: list[str], column: str, value: str) -> list[str]:
    return [name for name in files if name.startswith(f"{column}={value}/")]


@dataclass(frozen=True)
class Merged:
    runs: Runs
    arrival: Arrival
    first: RunSummary
    second: RunSummary
    third: RunSummary
    before: list[str]
    after: list[str]
    unchanged: list[str]


@pytest.fixture(scope="module")
def merged(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Merged:
    root = tmp_path_factory.mktemp("bookmarks")
    runs = Runs(root, JOB.copy_sample(root))
    arrival = ARRIVALS[JOB.name]()
    assert MERGED is not None
    first = runs.run(spark, "run-1", *ENABLE)
    before = runs.files(MERGED)
    folder = runs.raw / arrival.folder
    (folder / arrival.name).write_text(arrival.text)
    second = runs.run(spark, "run-2", *ENABLE)
    after = runs.files(MERGED)
    third = runs.run(spark, "run-3", *ENABLE)
    return Merged(runs, arrival, first, second, third, before, after, runs.files(MERGED))


if MERGED is not None:

    def test_the_first_run_reads_every_file_and_commits_its_bookmark(merged: Merged) -> None:
        assert rows_read(merged.first) == len(csv_rows(next((JOB.sample / merged.arrival.folder).glob("*.csv"))))
        assert merged.runs.history() == ["run-1", "run-2", "run-3"]

    def test_the_second_run_reads_only_the_new_file_and_merges_its_rows(spark: SparkSession, merged: Merged) -> None:
        assert MERGED is not None
        assert rows_read(merged.second) == merged.arrival.rows
        rows = [row.asDict() for row in spark.read.parquet(str(JOB.table(merged.runs.output, MERGED))).collect()]
        assert len(rows) == merged.arrival.total
        assert merged.arrival.check(rows)

    def test_only_the_partitions_the_new_rows_touch_are_rewritten(spark: SparkSession, merged: Merged) -> None:
        assert MERGED is not None
        column, by_value = JOB.partitions[MERGED]
        for value in by_value:
            if value not in merged.arrival.changed:
                assert in_partition(merged.after, column, value) == in_partition(merged.before, column, value), value
        table = spark.read.parquet(str(JOB.table(merged.runs.output, MERGED)))
        for value, rows in merged.arrival.changed.items():
            assert table.where(f"CAST({column} AS STRING) = '{value}'").count() == rows, value
            if rows:
                assert set(in_partition(merged.after, column, value)).isdisjoint(merged.before), value
            else:
                assert in_partition(merged.after, column, value) == [], value

    def test_a_run_with_nothing_new_reads_nothing_and_leaves_the_table(merged: Merged) -> None:
        assert MERGED is not None
        assert rows_read(merged.third) == 0
        assert merged.unchanged == merged.after
        assert MERGED not in {table.name for table in merged.third.written}
        if merged.third.written:  # the minimal job writes nothing at all when no row is new
            assert f"{MERGED}: no new rows in this run; every partition is as it was" in merged.third.notes

else:

    def folded(summary: RunSummary) -> int:
        """How many change records the run folded in, as its summary says (the change-records pattern's note)."""
        notes = [
            report.note for report in summary.inputs if report.note and f" of {BOOKMARKED} folded in" in report.note
        ]
        (note,) = notes
        return int(note.split(" ", 1)[0])

    def feed_lines(runs: Runs) -> int:
        return sum(len(csv_rows(path)) for path in (runs.raw.parent / BOOKMARKED).glob("*.csv"))

    def test_each_change_file_is_folded_once(spark: SparkSession, tmp_path: Path) -> None:
        runs = Runs(tmp_path, JOB.copy_sample(tmp_path))
        state = str(JOB.table(runs.output, load_job(JOB.name).settings_for("cdc")[JOB.sample.name]["state"]))
        assert folded(runs.run(spark, "run-1", *ENABLE)) == feed_lines(runs) > 0
        first = sorted(map(repr, spark.read.parquet(state).collect()))
        assert folded(runs.run(spark, "run-2", *ENABLE)) == 0
        # The state the first run folded is the state the second run leaves: no change was lost or applied twice.
        assert sorted(map(repr, spark.read.parquet(state).collect())) == first
        assert runs.history() == ["run-1", "run-2"]

    def test_a_disabled_run_reads_the_whole_feed_again(spark: SparkSession, tmp_path: Path) -> None:
        runs = Runs(tmp_path, JOB.copy_sample(tmp_path))
        runs.run(spark, "run-1", *ENABLE)
        assert folded(runs.run(spark, "run-2")) == feed_lines(runs)
        assert runs.history() == ["run-1"]
