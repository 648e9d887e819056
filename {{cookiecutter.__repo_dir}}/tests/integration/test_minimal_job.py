"""The whole minimal job through its entry point, on local files with the plain-Spark runtime."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.jobs.minimal import MinimalJobConfig, run_pipeline
from {{ cookiecutter.job_name }}.kit.args import JobArgumentError
from {{ cookiecutter.job_name }}.kit.handler import run_job
from {{ cookiecutter.job_name }}.kit.results import IntakeReport, RunSummary
from {{ cookiecutter.job_name }}.kit.runtime import SparkRuntime
from {{ cookiecutter.job_name }}.kit.testing.quarantine import read_quarantine

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "records"
RUN_ID = "jr_test"
NO_KEY = ",books,1.00,2024-03-04T00:00:00"  # quarantined: record_id is required
ONE_FIELD_TOO_MANY = "6,books,2.00,2024-03-04T00:00:00,EXTRA"  # quarantined: malformed
# The sample's only record of this day: the rebuild's source goes without it.
GONE_RECORD, GONE_DATE = "4,", "2024-03-03"


def run(runtime: SparkRuntime, input_path: Path, output: Path, quarantine: Path) -> RunSummary:
    argv = [
        "script",
        *("--JOB_NAME", "minimal", "--JOB_RUN_ID", RUN_ID),
        *("--input_path", str(input_path), "--output_path", str(output), "--quarantine_path", str(quarantine)),
    ]
    return run_job(argv, MinimalJobConfig, run_pipeline, lambda: runtime)


def with_lines(folder: Path, lines: list[str], *, without: str | None = None) -> Path:
    """A copy of the sample records, minus the lines starting with ``without``, plus ``lines``."""
    folder.mkdir(parents=True)
    sample = (SAMPLE / "records.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in sample if without is None or not line.startswith(without)]
    (folder / "records.csv").write_text("".join(line + "\n" for line in [*kept, *lines]), encoding="utf-8")
    return folder


def intake(summary: RunSummary) -> list[IntakeReport]:
    """The run's intake reports without their notes (the change-records pattern's, tested in test_cdc_job.py)."""
    return [replace(report, note=None) for report in summary.inputs]


def cleaned_rows(summary: RunSummary) -> list[int]:
    """The rows the run wrote to the job's own output (a pattern may write a table of its own beside it)."""
    return [table.rows for table in summary.written if table.name == "clean_records"]


def data_files(folder: Path) -> list[Path]:
    """The data files under ``folder`` on disk: Spark's ``_SUCCESS`` and ``.crc`` files are not data."""
    return sorted(path for path in folder.rglob("*") if path.is_file() and not path.name.startswith(("_", ".")))


def files_by_folder(table: Path) -> dict[str, int]:
    return {folder.name: len(data_files(folder)) for folder in table.glob("record_date=*")}


@contextmanager
def several_tasks(spark: SparkSession) -> Iterator[None]:
    """More shuffle partitions than the tests' one, as on a cluster: each stage of the run is several tasks,
    so a write that kept them would write several files per partition folder."""
    previous = str(spark.conf.get("spark.sql.shuffle.partitions"))  # always set: Spark has a default
    spark.conf.set("spark.sql.shuffle.partitions", "4")
    try:
        yield
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)


@dataclass(frozen=True)
class Done:
    runtime: SparkRuntime
    summary: RunSummary
    output: Path
    quarantine: Path


def run_over(spark: SparkSession, source: Path, output: Path, quarantine: Path) -> Done:
    runtime = SparkRuntime(spark)
    with several_tasks(spark):
        summary = run(runtime, source, output, quarantine)
    return Done(runtime, summary, output, quarantine)


def run_again(spark: SparkSession, first: Done, folder: Path, source: Path) -> Done:
    """A later run of the same job run id over a copy of what ``first`` left (output and quarantine)."""
    shutil.copytree(first.output, folder / "output")
    shutil.copytree(first.quarantine, folder / "quarantine")
    return run_over(spark, source, folder / "output", folder / "quarantine")


@pytest.fixture(scope="module")
def first_run(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Done:
    """The sample records and one without a key, on several tasks."""
    folder = tmp_path_factory.mktemp("first")
    return run_over(spark, with_lines(folder / "in", [NO_KEY]), folder / "output", folder / "quarantine")


@pytest.fixture(scope="module")
def rerun(spark: SparkSession, first_run: Done, tmp_path_factory: pytest.TempPathFactory) -> Done:
    """The first run again, on the same input, over its own output."""
    folder = tmp_path_factory.mktemp("rerun")
    return run_again(spark, first_run, folder, with_lines(folder / "in", [NO_KEY]))


@pytest.fixture(scope="module")
def rebuild(spark: SparkSession, first_run: Done, tmp_path_factory: pytest.TempPathFactory) -> Done:
    """A rebuild over the first run's output from a source without GONE_DATE's record, with another bad row."""
    folder = tmp_path_factory.mktemp("rebuild")
    return run_again(spark, first_run, folder, with_lines(folder / "in", [ONE_FIELD_TOO_MANY], without=GONE_RECORD))


def test_each_partition_folder_is_one_data_file(first_run: Done) -> None:
    assert files_by_folder(first_run.output) == {
        "record_date=2024-03-01": 1,
        "record_date=2024-03-02": 1,
        "record_date=2024-03-03": 1,
    }


def test_a_rerun_gives_the_same_table_file_for_file(spark: SparkSession, first_run: Done, rerun: Done) -> None:
    after = spark.read.parquet(str(rerun.output))

    assert sorted(row.record_id for row in after.collect()) == [1, 2, 3, 4]
    assert_df_equality(after, spark.read.parquet(str(first_run.output)), ignore_row_order=True)
    assert files_by_folder(rerun.output) == files_by_folder(first_run.output)
    assert rerun.runtime.committed


def test_the_quarantine_of_a_rerun_holds_that_runs_rejected_rows_only(rerun: Done, rebuild: Done) -> None:
    def raw_records(done: Done) -> list[tuple[object, object]]:
        return [(row["record_id"], row["_raw_record"]) for row in read_quarantine(done.quarantine, "records", RUN_ID)]

    # The same run id each time: the first run's row is replaced, by itself and then by the other.
    assert raw_records(rerun) == [(None, None)]
    assert raw_records(rebuild) == [(6, ONE_FIELD_TOO_MANY)]


def test_a_full_rebuild_drops_the_partition_of_a_date_gone_from_the_source(
    spark: SparkSession, first_run: Done, rebuild: Done
) -> None:
    assert (first_run.output / f"record_date={GONE_DATE}").is_dir()

    assert sorted(path.name for path in rebuild.output.glob("record_date=*")) == [
        "record_date=2024-03-01",
        "record_date=2024-03-02",
    ]
    assert sorted(row.record_id for row in spark.read.parquet(str(rebuild.output)).collect()) == [1, 2, 3]
    assert rebuild.runtime.committed


def test_sample_data_lands_deduplicated_and_partitioned(spark: SparkSession, tmp_path: Path, output_dir: Path) -> None:
    runtime = SparkRuntime(spark)

    summary = run(runtime, SAMPLE, output_dir, tmp_path / "quarantine")

    # 5 sample rows, record 2 appears twice -> 4 rows on disk.
    assert cleaned_rows(summary) == [4]
    assert intake(summary) == [IntakeReport("records", 5, 5, 0, None, ())]
    partitions = sorted(path.name for path in output_dir.glob("record_date=*"))
    assert partitions == ["record_date=2024-03-01", "record_date=2024-03-02", "record_date=2024-03-03"]
    assert not (tmp_path / "quarantine").exists()
    assert runtime.committed


def test_bad_rows_are_quarantined_and_the_rest_still_lands(
    spark: SparkSession, tmp_path: Path, output_dir: Path
) -> None:
    source = tmp_path / "in"
    shutil.copytree(SAMPLE, source)
    with (source / "records.csv").open("a", encoding="utf-8") as handle:
        handle.write(",books,1.00,2024-03-04T00:00:00\n")  # no record_id
        handle.write("6,books,2.00,2024-03-04T00:00:00,EXTRA\n")  # one field too many
    runtime = SparkRuntime(spark)

    summary = run(runtime, source, output_dir, tmp_path / "quarantine")

    rows = read_quarantine(tmp_path / "quarantine", "records", RUN_ID)
    found = {(row["record_id"], row["_quarantine_reason"], row["_raw_record"], row["_run_id"]) for row in rows}
    assert len(rows) == 2
    assert found == {
        (6, "malformed record: more fields than the header's 4", "6,books,2.00,2024-03-04T00:00:00,EXTRA", RUN_ID),
        (None, "null in required column record_id", None, RUN_ID),
    }
    (report,) = summary.inputs
    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (7, 5, 2)
    # The 5 sample rows still land as 4 deduplicated records; nothing from the bad rows does.
    assert cleaned_rows(summary) == [4]
    assert not list(output_dir.glob("record_date=2024-03-04"))
    assert runtime.committed


def test_rows_that_break_a_value_rule_are_quarantined_with_the_rule(
    spark: SparkSession, tmp_path: Path, output_dir: Path
) -> None:
    negative, blank = "7,books,-1.00,2024-03-04T00:00:00", "8,  ,1.00,2024-03-04T00:00:00"
    runtime = SparkRuntime(spark)

    summary = run(runtime, with_lines(tmp_path / "in", [negative, blank]), output_dir, tmp_path / "quarantine")

    rows = read_quarantine(tmp_path / "quarantine", "records", RUN_ID)
    assert sorted((row["record_id"], row["category"], row["_quarantine_reason"]) for row in rows) == [
        (7, "books", "amount below min 0"),
        (8, "  ", "category breaks not_blank: empty or only whitespace"),
    ]
    (report,) = summary.inputs
    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (7, 5, 2)
    assert cleaned_rows(summary) == [4]
    assert not list(output_dir.glob("record_date=2024-03-04"))
    assert runtime.committed


def test_empty_input_writes_nothing_keeps_the_output_and_commits(
    spark: SparkSession, tmp_path: Path, output_dir: Path
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "records.csv").write_text("record_id,category,amount,recorded_at\n")
    earlier = output_dir / "record_date=2024-03-01" / "part-earlier.parquet"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"written by an earlier run")
    runtime = SparkRuntime(spark)

    summary = run(runtime, source, output_dir, tmp_path / "quarantine")

    assert intake(summary) == [IntakeReport("records", 0, 0, 0, None, ())]
    assert summary.written == []
    assert "nothing written; existing output untouched" in summary.describe()
    assert [path.relative_to(output_dir) for path in output_dir.rglob("*")] == [
        Path("record_date=2024-03-01"),
        Path("record_date=2024-03-01/part-earlier.parquet"),
    ]
    assert earlier.read_bytes() == b"written by an earlier run"
    assert runtime.committed


def test_missing_argument_is_reported_before_spark_starts() -> None:
    def no_runtime() -> SparkRuntime:
        raise AssertionError("the runtime must not be built when arguments are bad")

    argv = ["script", "--JOB_NAME", "j", "--input_path", "x"]
    with pytest.raises(JobArgumentError, match=r"--quarantine_path: missing(.|\n)*--output_path: missing"):
        run_job(argv, MinimalJobConfig, run_pipeline, no_runtime)
