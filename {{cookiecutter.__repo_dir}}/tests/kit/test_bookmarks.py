"""The bookmarks pattern (``kit/patterns/bookmarks.py``): only the files a run has not read yet, on Glue's rules.

A declared job reads one CSV input, ``events``, and merges it into ``daily``, partitioned by ``day``, through
``run_job`` as a real job runs: the local bookmark store in a temporary folder stands in for Glue's. Expected
rows are written by hand from the CSV files each test writes.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import Field
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DateType, IntegerType, StructField, StructType

from {{ cookiecutter.job_name }}.kit.args import (
    InputPath,
    IntakeJobConfig,
    OutputPath,
    parse_job_arguments,
)
from {{ cookiecutter.job_name }}.kit.cli import bookmarks as cli
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.handler import job_arguments, run_job
from {{ cookiecutter.job_name }}.kit.io import publish
from {{ cookiecutter.job_name }}.kit.patterns.bookmarks import (
    ENABLE,
    PATTERN,
    BookmarkArguments,
    BookmarkError,
    BookmarkStore,
    ConcurrentRunError,
    MergeSpec,
    merge_into,
    new_files,
    parse_settings,
)
from {{ cookiecutter.job_name }}.kit.results import RunSummary
from {{ cookiecutter.job_name }}.kit.runtime import GlueRuntime, SparkRuntime
from {{ cookiecutter.job_name }}.kit.steps import check_patterns, read_inputs, write_outputs
from {{ cookiecutter.job_name }}.kit.testing.data import age_files
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage
from {{ cookiecutter.job_name }}.kit.testing.fixtures import TEST_BUCKET
from {{ cookiecutter.job_name }}.kit.testing.frames import frame

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

JOB = "events_job"
EVENTS = StructType(
    [
        StructField("event_id", IntegerType(), False),
        StructField("version", IntegerType(), False),
        StructField("day", DateType(), False),
    ]
)
DAILY = StructType(
    [
        StructField("event_id", IntegerType(), False),
        StructField("version", IntegerType(), False),
        StructField("day", DateType(), False, {"partition_key": True}),
    ]
)
HEADER = "event_id,version,day\n"
HOUR = 3600
SETTINGS = {"inputs": ["events"], "merge": {"daily": {"key": ["event_id"], "latest": ["version"]}}}


class EventsConfig(IntakeJobConfig):
    input_path: InputPath = Field(description="the events CSV files")
    output_path: OutputPath = Field(description="the daily table")


def pipeline(spark: SparkSession, config: EventsConfig) -> RunSummary:
    declaration = load_job(JOB)
    check_patterns(declaration, config)
    paths = {"daily": config.output_path}
    tables, reports = read_inputs(spark, declaration, {"events": config.input_path}, config, paths)
    written, notes = write_outputs(declaration, {"daily": tables["events"]}, paths, config)
    return RunSummary(reports, written, notes)


@dataclass(frozen=True)
class Place:
    raw: Path
    output: Path
    quarantine: Path
    store: Path

    def add(self, name: str, *rows: str) -> Path:
        path = self.raw / name
        path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
        return path

    def argv(self, run_id: str, option: str | None = ENABLE) -> list[str]:
        arguments = ["script", "--JOB_NAME", JOB, "--JOB_RUN_ID", run_id]
        arguments += ["--input_path", str(self.raw), "--output_path", str(self.output)]
        arguments += ["--quarantine_path", str(self.quarantine), "--bookmark_store", str(self.store)]
        return arguments + (["--job-bookmark-option", option] if option else [])

    def run(self, spark: SparkSession, run_id: str, option: str | None = ENABLE) -> RunSummary:
        """One run; its files then aged an hour, as if written long before the next run (a partition is replaced
        by the files older than the run's start, in whole seconds as S3 keeps them)."""
        # Each run on Glue has a session of its own: nothing the readers cached for the last run is reused
        # (a rewritten file's plan equals its old one, so a cached read would hand back the old rows).
        spark.catalog.clearCache()
        try:
            return run_job(self.argv(run_id, option), EventsConfig, pipeline, lambda: SparkRuntime(spark))
        finally:
            if self.output.exists():
                age_files(self.output, HOUR)

    def table(self, spark: SparkSession) -> list[tuple[int, int, date]]:
        rows = spark.read.parquet(str(self.output)).select("event_id", "version", "day").collect()
        return sorted((row["event_id"], row["version"], row["day"]) for row in rows)

    def files(self) -> list[str]:
        """The table's data files: a rewrite gives a file a new name."""
        return sorted(path.relative_to(self.output).as_posix() for path in self.output.rglob("*.parquet"))

    def history(self) -> list[str]:
        return [bookmark.run_id for bookmark in BookmarkStore(str(self.store), JOB).history()]


@pytest.fixture
def place(declared: DeclaredPackage, tmp_path: Path) -> Place:
    declared.contract("events", EVENTS)
    declared.contract("daily", DAILY)
    events = {"format": "csv", "encoding": "UTF-8", "policy": "fail", "why": "a test input"}
    declared.job(
        JOB, {"inputs": {"events": events}, "bookmarks": SETTINGS, "outputs": {"daily": {"format": "parquet"}}}
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    return Place(raw, tmp_path / "daily", tmp_path / "quarantine", tmp_path / "bookmarks")


def rows_read(summary: RunSummary) -> int:
    return next(report.rows_in for report in summary.inputs if report.dataset == "events")


def in_day(files: list[str], day: str) -> list[str]:
    return [name for name in files if name.startswith(f"day={day}/")]


D1, D2, D3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)


def first_run(spark: SparkSession, place: Place) -> None:
    place.add("a.csv", "1,1,2024-03-01", "2,1,2024-03-01", "3,1,2024-03-02")
    assert rows_read(place.run(spark, "run-1")) == 3


# --- which files a bookmark lets through ------------------------------------------------------------------------


def test_a_file_is_new_when_unseen_or_modified_after_the_time_recorded() -> None:
    seen = {"a.csv": 1000, "b.csv": 2000, "gone.csv": 500}
    listed = {"a.csv": 1000, "b.csv": 2500, "c.csv": 10}
    assert new_files(listed, seen) == ["b.csv", "c.csv"]
    assert new_files(listed, {}) == ["a.csv", "b.csv", "c.csv"]


# --- the job, run after run -------------------------------------------------------------------------------------


def test_a_second_run_reads_only_the_new_file_and_rebuilds_only_its_partition(
    spark: SparkSession, place: Place
) -> None:
    first_run(spark, place)
    before = place.files()
    place.add("b.csv", "4,1,2024-03-03")
    summary = place.run(spark, "run-2")
    assert rows_read(summary) == 1
    assert place.table(spark) == [(1, 1, D1), (2, 1, D1), (3, 1, D2), (4, 1, D3)]
    after = place.files()
    assert in_day(after, "2024-03-01") == in_day(before, "2024-03-01")
    assert in_day(after, "2024-03-02") == in_day(before, "2024-03-02")
    assert in_day(after, "2024-03-03")
    assert place.history() == ["run-1", "run-2"]


def test_a_run_with_no_new_file_reads_nothing_and_leaves_every_file(spark: SparkSession, place: Place) -> None:
    first_run(spark, place)
    before = place.files()
    summary = place.run(spark, "run-2")
    assert rows_read(summary) == 0
    assert place.files() == before
    assert summary.notes == ["daily: no new rows in this run; every partition is as it was"]
    assert summary.written == []


def test_a_run_that_fails_after_reading_commits_nothing_and_the_next_run_reads_the_file_again(
    spark: SparkSession, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_run(spark, place)
    place.add("b.csv", "4,1,2024-03-03")

    def fail(self: publish.Publication) -> None:
        raise OSError("injected: the publish failed")

    with monkeypatch.context() as patch:
        patch.setattr(publish.Publication, "publish", fail)
        with pytest.raises(OSError, match="injected"):
            place.run(spark, "run-2")
    assert place.history() == ["run-1"]
    assert not (place.store / JOB / "lock.json").exists()
    summary = place.run(spark, "run-3")
    assert rows_read(summary) == 1
    assert place.table(spark) == [(1, 1, D1), (2, 1, D1), (3, 1, D2), (4, 1, D3)]


def test_a_rewritten_old_file_is_read_again_and_its_rows_replace_the_published_ones(
    spark: SparkSession, place: Place
) -> None:
    first_run(spark, place)
    rewritten = place.add("a.csv", "1,2,2024-03-01", "2,1,2024-03-01", "3,1,2024-03-02")
    later = rewritten.stat().st_mtime + 10
    os.utime(rewritten, (later, later))
    summary = place.run(spark, "run-2")
    assert rows_read(summary) == 3
    assert place.table(spark) == [(1, 2, D1), (2, 1, D1), (3, 1, D2)]


def test_the_latest_version_wins_whichever_run_brings_it_and_a_key_that_moves_day_leaves_its_old_one(
    spark: SparkSession, place: Place
) -> None:
    first_run(spark, place)
    # Event 2 comes again at an older version (it must not win); event 3 moves to another day at a newer one.
    place.add("b.csv", "2,0,2024-03-03", "3,2,2024-03-03")
    place.run(spark, "run-2")
    assert place.table(spark) == [(1, 1, D1), (2, 1, D1), (3, 2, D3)]


def test_pause_reads_from_the_bookmark_and_saves_nothing(spark: SparkSession, place: Place) -> None:
    first_run(spark, place)
    place.add("b.csv", "4,1,2024-03-03")
    assert rows_read(place.run(spark, "run-2", "job-bookmark-pause")) == 1
    assert place.history() == ["run-1"]
    assert rows_read(place.run(spark, "run-3")) == 1


def test_disabled_bookmarks_read_every_file_rebuild_whole_and_save_nothing(spark: SparkSession, place: Place) -> None:
    first_run(spark, place)
    place.add("b.csv", "4,1,2024-03-03")
    for option in ("job-bookmark-disable", None):
        summary = place.run(spark, f"run-{option}", option)
        assert rows_read(summary) == 4
        assert not [note for note in summary.notes if note.startswith("rebuilt daily")]
    assert place.history() == ["run-1"]


def test_a_second_run_while_one_holds_the_store_is_refused_before_reading(spark: SparkSession, place: Place) -> None:
    first_run(spark, place)
    before = place.files()
    BookmarkStore(str(place.store), JOB).lock("run-going-on")
    with pytest.raises(ConcurrentRunError, match=r"already running \(run run-going-on"):
        place.run(spark, "run-2")
    assert place.files() == before
    assert place.history() == ["run-1"]


def test_a_renamed_context_starts_from_scratch_with_a_warning(
    spark: SparkSession, place: Place, caplog: pytest.LogCaptureFixture
) -> None:
    place.add("a.csv", "1,1,2024-03-01")
    BookmarkStore(str(place.store), JOB).save("run-0", {"old_events": {str(place.raw / "a.csv"): 1}})
    with caplog.at_level(logging.WARNING):
        summary = place.run(spark, "run-1")
    assert rows_read(summary) == 1
    assert "no bookmark yet for events" in caplog.text
    assert "old_events" in caplog.text


def test_reset_and_rewind_through_the_command_line(
    spark: SparkSession, place: Place, capsys: pytest.CaptureFixture[str]
) -> None:
    first_run(spark, place)
    place.add("b.csv", "4,1,2024-03-03")
    place.run(spark, "run-2")
    store = ["--store", str(place.store), "--job", JOB]
    assert cli.main([*store, "rewind", "--run-id", "run-1"]) == 0
    assert place.history() == ["run-1"]
    assert rows_read(place.run(spark, "run-3")) == 1
    assert cli.main([*store, "rewind", "--run-id", "no-such-run"]) == 1
    assert "no committed run 'no-such-run'" in capsys.readouterr().err
    assert cli.main([*store, "reset"]) == 0
    assert place.history() == []
    assert rows_read(place.run(spark, "run-4")) == 4
    assert cli.main([*store, "show"]) == 0
    assert "events: 2 files read so far" in capsys.readouterr().out


def test_bookmarks_off_glue_without_a_store_is_a_clear_error(spark: SparkSession, place: Place) -> None:
    argv = [argument for argument in place.argv("run-1") if argument not in ("--bookmark_store", str(place.store))]
    place.add("a.csv", "1,1,2024-03-01")
    with pytest.raises(BookmarkError, match="pass --bookmark_store"):
        run_job(argv, EventsConfig, pipeline, lambda: SparkRuntime(spark))


def test_a_pipeline_called_outside_run_job_cannot_bookmark(spark: SparkSession, place: Place) -> None:
    place.add("a.csv", "1,1,2024-03-01")
    config = parse_job_arguments(place.argv("run-1"), job_arguments(EventsConfig))
    with pytest.raises(BookmarkError, match="needs a run to bookmark"):
        pipeline(spark, config)


# --- the store ------------------------------------------------------------------------------------------------


def store_cycle(store: BookmarkStore) -> None:
    assert store.current().run == 0
    store.save("r1", {"events": {"a": 1}})
    store.save("r2", {"events": {"a": 1, "b": 2}})
    assert [(bookmark.run, bookmark.run_id) for bookmark in store.history()] == [(1, "r1"), (2, "r2")]
    assert store.current().sources == {"events": {"a": 1, "b": 2}}
    store.lock("r3")
    with pytest.raises(ConcurrentRunError, match="r3"):
        store.lock("r4")
    assert not store.unlock("r4")
    assert store.unlock("r3")
    store.lock("r4")
    assert store.unlock()
    assert store.rewind("r1").sources == {"events": {"a": 1}}
    assert store.current().run_id == "r1"
    assert store.reset() == 1
    assert store.history() == []


def test_the_store_in_a_folder(tmp_path: Path) -> None:
    store_cycle(BookmarkStore(str(tmp_path / "store"), JOB))
    assert not [path for path in (tmp_path / "store").rglob("*.tmp")]


def test_the_store_under_an_s3_prefix(s3: S3Client) -> None:
    store_cycle(BookmarkStore(f"s3://{TEST_BUCKET}/bookmarks", JOB, s3=s3))
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=TEST_BUCKET).get("Contents", [])] == []


# --- merging ----------------------------------------------------------------------------------------------------


def days(table: DataFrame) -> list[tuple[int, int, date]]:
    return sorted((row["event_id"], row["version"], row["day"]) for row in table.collect())


def test_merging_replaces_only_the_partitions_the_new_rows_touch(spark: SparkSession) -> None:
    published = frame(spark, DAILY, [(1, 1, D1), (2, 1, D1), (3, 1, D2), (5, 1, D3)])
    new = frame(spark, DAILY, [(2, 2, D2)])
    merged, scope = merge_into(published, new, MergeSpec(key=["event_id"]), ["day"])
    # Day 1 held event 2's old row, day 2 gets its new one; day 3 is not touched.
    assert scope == ("day", ["2024-03-01", "2024-03-02"])
    assert days(merged) == [(1, 1, D1), (2, 2, D2), (3, 1, D2)]


def test_without_latest_this_runs_row_wins(spark: SparkSession) -> None:
    published = frame(spark, DAILY, [(1, 5, D1)])
    merged, _ = merge_into(published, frame(spark, DAILY, [(1, 4, D1)]), MergeSpec(key=["event_id"]), ["day"])
    assert days(merged) == [(1, 4, D1)]
    merged, _ = merge_into(
        published, frame(spark, DAILY, [(1, 4, D1)]), MergeSpec(key=["event_id"], latest=["version"]), ["day"]
    )
    assert days(merged) == [(1, 5, D1)]


def test_an_unpartitioned_output_is_merged_whole(spark: SparkSession) -> None:
    published = frame(spark, EVENTS, [(1, 1, D1), (2, 1, D1)])
    merged, scope = merge_into(published, frame(spark, EVENTS, [(2, 3, D2)]), MergeSpec(key=["event_id"]), [])
    assert scope is None
    assert days(merged) == [(1, 1, D1), (2, 3, D2)]


def test_a_new_row_without_its_partition_value_is_refused(spark: SparkSession) -> None:
    schema = StructType([*DAILY.fields[:2], StructField("day", DateType(), True)])
    with pytest.raises(BookmarkError, match="new rows with no day"):
        merge_into(None, frame(spark, schema, [(1, 1, None)]), MergeSpec(key=["event_id"]), ["day"])


# --- settings and arguments -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"inputs": []}, r"inputs: List should have at least 1 item"),
        ({"inputs": ["events"], "merge": {"daily": {"latest": ["version"]}}}, r"merge.daily.key: Field required"),
        ({"inputs": ["events"], "typo": 1}, r"typo: Extra inputs are not permitted"),
    ],
)
def test_bad_settings_say_what_is_wrong_and_the_shape_expected(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(BookmarkError, match=message) as raised:
        parse_settings(settings)
    assert '"inputs": [input, ...]' in str(raised.value)


def arguments(**values: str) -> BookmarkArguments:
    return BookmarkArguments.model_validate({"job-bookmark-option": ENABLE, **values})


def validate(settings: dict[str, Any], given: BookmarkArguments) -> None:
    assert PATTERN.validate is not None
    PATTERN.validate({"daily": ["day"]}, settings, given)


def test_a_rebuild_of_dates_with_bookmarks_on_is_refused(place: Place) -> None:
    with pytest.raises(BookmarkError, match="run the rebuild with --job-bookmark-option job-bookmark-disable"):
        validate(SETTINGS, arguments(reprocess_dates="2024-03-01"))
    validate(SETTINGS, BookmarkArguments.model_validate({"reprocess_dates": "2024-03-01"}))


@pytest.mark.parametrize(
    ("merge", "message"),
    [
        ({"weekly": {"key": ["event_id"]}}, r"merge \['weekly'\]: not outputs of the job"),
        ({"daily": {"key": ["id"]}}, r"merge daily: \['id'\] are not columns"),
        ({"daily": {"key": ["event_id"], "latest": ["when"]}}, r"\['when'\] are not columns"),
    ],
)
def test_a_merge_must_name_an_output_and_its_columns(place: Place, merge: dict[str, Any], message: str) -> None:
    with pytest.raises(BookmarkError, match=message):
        validate({"inputs": ["events"], "merge": merge}, arguments())


# --- on Glue ----------------------------------------------------------------------------------------------------


class FakeDynamicFrame:
    def __init__(self, df: DataFrame) -> None:
        self._df = df

    def toDF(self) -> DataFrame:  # noqa: N802 (Glue's name)
        return self._df


class FakeReader:
    """``create_dynamic_frame``: records each call, and, as Glue's bookmark would, returns only the files of
    ``path`` that ``seen`` does not hold yet."""

    def __init__(self, spark: SparkSession, seen: set[str]) -> None:
        self.spark, self.seen = spark, seen
        self.calls: list[dict[str, Any]] = []

    def from_options(self, **options: Any) -> FakeDynamicFrame:
        self.calls.append(options)
        folder = Path(options["connection_options"]["paths"][0])
        files = sorted(str(path) for path in folder.iterdir() if path.name not in self.seen)
        df = self.spark.read.text(files) if files else self.spark.createDataFrame([], "value string")
        return FakeDynamicFrame(df)


class FakeGlueContext:
    def __init__(self, spark: SparkSession, reader: FakeReader) -> None:
        self.spark_session = spark
        self.create_dynamic_frame = reader


class FakeJob:
    def __init__(self, commits: list[str]) -> None:
        self.commits = commits

    def init(self, job_name: str, arguments: dict[str, str]) -> None:
        self.arguments = arguments

    def commit(self) -> None:
        self.commits.append("commit")


def glue_run(spark: SparkSession, place: Place, reader: FakeReader, commits: list[str]) -> RunSummary:
    argv = [argument for argument in place.argv("jr_1") if argument not in ("--bookmark_store", str(place.store))]
    return run_job(
        argv,
        EventsConfig,
        pipeline,
        lambda: GlueRuntime(
            lambda _sc: FakeGlueContext(spark, reader), lambda _ctx: FakeJob(commits), spark.sparkContext
        ),
    )


def test_on_glue_the_reader_asks_glue_with_the_inputs_name_as_transformation_ctx_and_reads_what_it_returns(
    spark: SparkSession, place: Place
) -> None:
    place.add("a.csv", "1,1,2024-03-01", "2,1,2024-03-01")
    place.add("b.csv", "3,1,2024-03-02")
    reader, commits = FakeReader(spark, seen={"a.csv"}), list[str]()
    summary = glue_run(spark, place, reader, commits)
    assert [call["transformation_ctx"] for call in reader.calls] == ["events"]
    assert reader.calls[0]["connection_options"] == {"paths": [str(place.raw)], "recurse": True}
    assert reader.calls[0]["format"] == "csv"
    assert rows_read(summary) == 1
    assert place.table(spark) == [(3, 1, D2)]
    assert commits == ["commit"]
    assert not place.store.exists()


def test_on_glue_a_failed_run_does_not_commit(
    spark: SparkSession, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    place.add("a.csv", "1,1,2024-03-01")
    reader, commits = FakeReader(spark, seen=set()), list[str]()

    def fail(self: publish.Publication) -> None:
        raise OSError("injected")

    monkeypatch.setattr(publish.Publication, "publish", fail)
    with pytest.raises(OSError, match="injected"):
        glue_run(spark, place, reader, commits)
    assert commits == []
