"""The whole minimal job through its entry point, on local files with the plain-Spark runtime."""

import json
import shutil
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.jobs.minimal import MinimalJobConfig, run_pipeline
from {{ cookiecutter.job_name }}.kit.args import JobArgumentError
from {{ cookiecutter.job_name }}.kit.handler import run_job
from {{ cookiecutter.job_name }}.kit.results import IntakeReport, RunSummary
from {{ cookiecutter.job_name }}.kit.runtime import SparkRuntime

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "records"
RUN_ID = "jr_test"


def run(runtime: SparkRuntime, input_path: Path, output: Path, quarantine: Path) -> RunSummary:
    argv = [
        "script",
        *("--JOB_NAME", "minimal", "--JOB_RUN_ID", RUN_ID),
        *("--input_path", str(input_path), "--output_path", str(output), "--quarantine_path", str(quarantine)),
    ]
    return run_job(argv, MinimalJobConfig, run_pipeline, lambda: runtime)


def test_sample_data_lands_deduplicated_and_partitioned(spark: SparkSession, tmp_path: Path, output_dir: Path) -> None:
    runtime = SparkRuntime(spark)

    summary = run(runtime, SAMPLE, output_dir, tmp_path / "quarantine")

    # 5 sample rows, record 2 appears twice -> 4 rows on disk.
    assert [table.rows for table in summary.written] == [4]
    assert summary.inputs == [IntakeReport("records", 5, 5, 0, None, ())]
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

    landed = tmp_path / "quarantine" / "records" / f"run_id={RUN_ID}"
    rows = [json.loads(line) for part in landed.glob("part-*") for line in part.read_text().splitlines()]
    found = {(row["record_id"], row["_quarantine_reason"], row["_raw_record"], row["_run_id"]) for row in rows}
    assert len(rows) == 2
    assert found == {
        (6, "malformed record", "6,books,2.00,2024-03-04T00:00:00,EXTRA", RUN_ID),
        (None, "null in required column record_id", None, RUN_ID),
    }
    (report,) = summary.inputs
    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (7, 5, 2)
    # The 5 sample rows still land as 4 deduplicated records; nothing from the bad rows does.
    assert [table.rows for table in summary.written] == [4]
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

    assert summary.inputs == [IntakeReport("records", 0, 0, 0, None, ())]
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
