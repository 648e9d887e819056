"""The output_file_count pattern in the repo's job: its declaration's settings and its two job arguments.

File counts are read from disk, row counts come from the sample CSV files (see ``job_under_test``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from {{ cookiecutter.job_name }}.kit import patterns
from {{ cookiecutter.job_name }}.kit.handler import run_job
from {{ cookiecutter.job_name }}.kit.patterns.output_file_count import FileCountError
from {{ cookiecutter.job_name }}.kit.runtime import SparkRuntime

from .job_under_test import JobRun, ceil_div, files_by_folder
from .{{ cookiecutter.__job_module }}_under_test import JOB

PARTITIONED = next(iter(JOB.partitions))
PARTITION_COLUMN, PARTITION_ROWS = JOB.partitions[PARTITIONED]
# Small enough that the largest partition folder of the sample needs several files.
CAP = 2 if max(PARTITION_ROWS.values()) > 2 else 1
FILES = 3


@pytest.fixture(scope="module")
def run_without_the_pattern(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> JobRun:
    """The same job as if output_file_count were not installed: the kit's default layout."""
    others = [pattern for pattern in patterns.installed() if pattern.name != "output_file_count"]
    output = tmp_path_factory.mktemp("output")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(patterns, "installed", lambda: others)
        summary = JOB.run_pipeline(spark, JOB.sample, output, tmp_path_factory.mktemp("quarantine"))
    return JobRun(summary, output)


@pytest.fixture(scope="module")
def shaped_run(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> JobRun:
    """--output_files for every unpartitioned output, --output_max_records_per_file for the partitioned one."""
    files = ",".join(f"{name}={FILES}" for name in JOB.unpartitioned)
    return JOB.run_sample(
        spark,
        tmp_path_factory.mktemp("shaped"),
        *(("--output_files", files) if files else ()),
        *("--output_max_records_per_file", f"{PARTITIONED}={CAP}"),
    )


def folder(value: str) -> str:
    return f"{PARTITION_COLUMN}={value}"


def test_the_declaration_gives_one_file_per_table_and_per_partition_folder(plain_run: JobRun) -> None:
    for name in JOB.unpartitioned:
        assert files_by_folder(JOB.table(plain_run.output, name)) == {".": 1}, name
    assert files_by_folder(JOB.table(plain_run.output, PARTITIONED)) == {folder(day): 1 for day in PARTITION_ROWS}


def test_without_pattern_arguments_the_files_are_those_of_a_run_without_the_pattern(
    plain_run: JobRun, run_without_the_pattern: JobRun
) -> None:
    def layout(run: JobRun) -> dict[str, dict[str, int]]:
        return {name: files_by_folder(JOB.table(run.output, name)) for name in JOB.folders}

    assert layout(plain_run) == layout(run_without_the_pattern)
    assert [(table.name, table.rows, table.files) for table in plain_run.summary.written] == [
        (table.name, table.rows, table.files) for table in run_without_the_pattern.summary.written
    ]


@pytest.mark.skipif(not JOB.unpartitioned, reason=f"every output of the {JOB.name} job is partitioned")
def test_output_files_sets_the_file_count_and_keeps_the_rows(
    spark: SparkSession, shaped_run: JobRun, plain_run: JobRun
) -> None:
    for name in JOB.unpartitioned:
        assert files_by_folder(JOB.table(shaped_run.output, name)) == {".": FILES}, name
        assert_df_equality(
            spark.read.parquet(str(JOB.table(shaped_run.output, name))),
            spark.read.parquet(str(JOB.table(plain_run.output, name))),
            ignore_row_order=True,
        )


def test_output_max_records_per_file_caps_the_rows_of_every_file(spark: SparkSession, shaped_run: JobRun) -> None:
    table = JOB.table(shaped_run.output, PARTITIONED)

    assert files_by_folder(table) == {folder(day): ceil_div(rows, CAP) for day, rows in PARTITION_ROWS.items()}
    per_file = spark.read.parquet(str(table)).groupBy(F.input_file_name()).count().collect()
    assert max(row["count"] for row in per_file) <= CAP
    assert sum(row["count"] for row in per_file) == JOB.rows[PARTITIONED]


@pytest.mark.parametrize("argument", ["--output_files", "--output_max_records_per_file"])
def test_a_table_that_is_not_an_output_stops_the_run_before_anything_is_written(
    spark: SparkSession, tmp_path: Path, argument: str
) -> None:
    runtime = SparkRuntime(spark)
    argv = JOB.argv(JOB.sample, tmp_path / "output", tmp_path / "quarantine", argument, "no_such_table=2")

    with pytest.raises(FileCountError, match=rf"^{argument} names \['no_such_table'\], which are not outputs of"):
        run_job(argv, JOB.config_type, JOB.pipeline, lambda: runtime)

    assert not (tmp_path / "output").exists()
    assert not (tmp_path / "quarantine").exists()
    assert not runtime.committed


def test_several_files_for_a_partitioned_output_are_refused_before_anything_is_written(
    spark: SparkSession, tmp_path: Path
) -> None:
    with pytest.raises(FileCountError, match=rf"^output {PARTITIONED}: files=3 with partition_by"):
        JOB.run(spark, JOB.sample, tmp_path / "output", tmp_path / "quarantine", "--output_files", f"{PARTITIONED}=3")

    assert not (tmp_path / "output").exists()
