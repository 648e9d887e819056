"""The change-records pattern in the repo's job: its sample change feed folds into the table the job reads.

The sample feed (``sample_data/**/*_changes``) holds an update, a delete and re-insert in one commit, an
insert deleted later, a delete of a key that never existed and a late file with an older change. The
expected rows below are read off those files by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.contracts.compliance import ContractViolationError
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.patterns.cdc import Feed, feeds
from {{ cookiecutter.job_name }}.kit.results import RunSummary

from .{{ cookiecutter.__job_module }}_under_test import JOB

(FEED,) = feeds(load_job(JOB.name).settings_for("cdc"))


@dataclass(frozen=True)
class Expected:
    """What the sample feed leaves: some keys' values (column -> value), the tombstones, the no-op deletes."""

    values: dict[int, dict[str, object]]
    tombstones: list[int]
    live: int
    noop_deletes: int


EXPECTED = {
    "star_schema": Expected(
        values={
            # The 09:00 update wins over the late file's, committed at 08:30.
            103: {"Op": "U", "creditLimit": Decimal("25000.00")},
            # Deleted and re-inserted in one commit: the sequence puts the insert last.
            121: {"Op": "I", "phone": "702 555 9999"},
            226: {"Op": "U", "contactFirstName": "Foon", "creditLimit": Decimal("120000.00")},
            # Untouched: its row comes from the full load, with no commit time.
            137: {"Op": "I", "changed_at": None},
        },
        tombstones=[600, 999],
        live=20,
        noop_deletes=1,
    ),
    "minimal": Expected(
        values={
            1: {"Op": "U", "amount": Decimal("15.00")},
            # Deleted and re-inserted in one commit: without a sequence, the later line wins.
            3: {"Op": "I", "category": "Music", "amount": Decimal("8.99")},
            # In the full load twice: the later line.
            2: {"Op": "I", "amount": Decimal("45.00")},
        },
        tombstones=[5, 42],
        live=4,
        noop_deletes=1,
    ),
}[JOB.name]


def changes_folder(raw: Path, feed: Feed) -> Path:
    """Where the change feed sits: inside the raw folder (one folder per table) or beside the table's folder."""
    return raw / feed.changes if (raw / feed.changes).exists() else raw.parent / feed.changes


def state_rows(spark: SparkSession, output: Path) -> dict[int, dict[str, object]]:
    key = FEED.key[0]
    return {row[key]: row.asDict() for row in spark.read.parquet(str(JOB.table(output, FEED.state))).collect()}


@dataclass(frozen=True)
class Folded:
    raw: Path
    output: Path
    quarantine: Path
    summary: RunSummary
    state: dict[int, dict[str, object]]


@pytest.fixture(scope="module")
def folded(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Folded:
    root = tmp_path_factory.mktemp("cdc")
    raw, output, quarantine = JOB.copy_sample(root), root / "out" / "table", root / "quarantine"
    summary = JOB.run(spark, raw, output, quarantine)
    return Folded(raw, output, quarantine, summary, state_rows(spark, output))


def test_the_sample_feed_folds_to_the_state_read_off_its_files(folded: Folded) -> None:
    for key, values in EXPECTED.values.items():
        assert {column: folded.state[key][column] for column in values} == values, key
    assert sorted(key for key, row in folded.state.items() if row["Op"] == "D") == EXPECTED.tombstones
    assert len(folded.state) == EXPECTED.live + len(EXPECTED.tombstones)


def test_the_run_summary_says_what_the_fold_did(folded: Folded) -> None:
    (report,) = [report for report in folded.summary.inputs if report.dataset == FEED.target]
    assert report.note is not None
    assert f"{EXPECTED.live} current rows" in report.note
    assert f"{len(EXPECTED.tombstones)} deleted keys kept as tombstones in {FEED.state}" in report.note
    assert f"{EXPECTED.noop_deletes} delete of a key not present, ignored" in report.note
    assert report.note in folded.summary.describe()


def test_a_rerun_on_the_same_feed_leaves_the_same_state(spark: SparkSession, folded: Folded) -> None:
    JOB.run(spark, folded.raw, folded.output, folded.quarantine)

    assert state_rows(spark, folded.output) == folded.state


def test_a_run_that_stops_on_a_bad_change_leaves_the_state_as_it_was(
    spark: SparkSession, folded: Folded, tmp_path: Path
) -> None:
    raw = JOB.copy_sample(tmp_path)
    output = tmp_path / "out" / "table"
    JOB.run(spark, raw, output, tmp_path / "quarantine")
    before = state_rows(spark, output)
    feed = changes_folder(raw, FEED)
    header = next(feed.glob("*.csv")).read_text(encoding="utf-8").splitlines()[0]
    bad = ["X" if column == "Op" else "" for column in header.split(",")]
    (feed / "29991231-000000000.csv").write_text(f"{header}\n{','.join(bad)}\n", encoding="utf-8")

    with pytest.raises(ContractViolationError, match=FEED.changes):
        JOB.run(spark, raw, output, tmp_path / "quarantine")

    assert state_rows(spark, output) == before
