"""The whole minimal job through its entry point, on local files with the plain-Spark runtime."""

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.config import JobArgumentError
from {{ cookiecutter.job_name }}.handler import run_job
from {{ cookiecutter.job_name }}.integration.spark_io import WrittenTable
from {{ cookiecutter.job_name }}.jobs.minimal import MinimalJobConfig, NullKeyError, run_pipeline
from {{ cookiecutter.job_name }}.runtime import SparkRuntime

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "records"


def run(runtime: SparkRuntime, input_path: Path, output: Path) -> list[WrittenTable]:
    argv = ["script", "--JOB_NAME", "minimal", "--input_path", str(input_path), "--output_path", str(output)]
    return run_job(argv, MinimalJobConfig, run_pipeline, lambda: runtime)


def test_sample_data_lands_deduplicated_and_partitioned(spark: SparkSession, output_dir: Path) -> None:
    runtime = SparkRuntime(spark)

    (written,) = run(runtime, SAMPLE, output_dir)

    # 5 sample rows, record 2 appears twice -> 4 rows on disk.
    assert written.rows == 4
    partitions = sorted(path.name for path in output_dir.glob("record_date=*"))
    assert partitions == ["record_date=2024-03-01", "record_date=2024-03-02", "record_date=2024-03-03"]
    assert runtime.committed


def test_null_key_fails_loudly_and_does_not_commit(spark: SparkSession, tmp_path: Path, output_dir: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "part.csv").write_text("record_id,category,amount,recorded_at\n,books,1.00,2024-03-01T00:00:00\n")
    runtime = SparkRuntime(spark)

    with pytest.raises(NullKeyError, match="1 input rows have no record_id"):
        run(runtime, source, output_dir)

    assert not runtime.committed
    assert not output_dir.exists()


def test_missing_argument_is_reported_before_spark_starts() -> None:
    def no_runtime() -> SparkRuntime:
        raise AssertionError("the runtime must not be built when arguments are bad")

    with pytest.raises(JobArgumentError, match=r"--output_path: missing"):
        run_job(["script", "--JOB_NAME", "j", "--input_path", "x"], MinimalJobConfig, run_pipeline, no_runtime)
