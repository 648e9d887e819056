"""The default file layout: files sized from the data by adaptive execution, without a pass of their own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from {{ cookiecutter.job_name }}.kit.io.writers import default_layout, write_table

ADAPTIVE = "spark.sql.adaptive.enabled"


@contextmanager
def sql_settings(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    """``settings`` on the shared session for the block, then as they were."""
    before: dict[str, str | None] = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, old in before.items():
            if old is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, old)


def rows(spark: SparkSession, count: int, partitions: int) -> DataFrame:
    return spark.range(count, numPartitions=partitions).select(
        F.col("id"),
        (F.col("id") % 2).cast("string").alias("part"),
        F.sha2(F.col("id").cast("string"), 256).alias("text"),
    )


def data_files(path: Path) -> list[Path]:
    return sorted(file for file in path.rglob("*.parquet") if not file.name.startswith((".", "_")))


def test_a_small_table_from_many_tasks_is_one_file(spark: SparkSession, tmp_path: Path) -> None:
    with sql_settings(spark, {ADAPTIVE: "true"}):
        write_table(rows(spark, 500, 8), str(tmp_path / "t"), partition_by=[], layout=default_layout())
    assert len(data_files(tmp_path / "t")) == 1
    assert spark.read.parquet(str(tmp_path / "t")).count() == 500


def test_a_larger_table_is_cut_into_files_of_the_advisory_size(spark: SparkSession, tmp_path: Path) -> None:
    # 100,000 rows of about 80 bytes (7 MB) against a 1 MB target: well over one file, far under one per task.
    with sql_settings(
        spark,
        {
            ADAPTIVE: "true",
            "spark.sql.shuffle.partitions": "50",
            "spark.sql.adaptive.advisoryPartitionSizeInBytes": "1m",
            # Spark's default favours parallelism over the target size for small data; this test wants the target.
            "spark.sql.adaptive.coalescePartitions.parallelismFirst": "false",
        },
    ):
        write_table(rows(spark, 100_000, 4), str(tmp_path / "t"), partition_by=[], layout=default_layout())
    files = data_files(tmp_path / "t")
    assert 2 <= len(files) < 50
    assert spark.read.parquet(str(tmp_path / "t")).count() == 100_000


def test_without_adaptive_execution_the_table_is_counted_and_split_by_rows(spark: SparkSession, tmp_path: Path) -> None:
    with sql_settings(spark, {ADAPTIVE: "false"}):
        write_table(
            rows(spark, 2_500, 8), str(tmp_path / "t"), partition_by=[], layout=default_layout(rows_per_file=1_000)
        )
    # ceil(2,500 / 1,000) = 3 files of at most 1,000 rows.
    files = data_files(tmp_path / "t")
    assert len(files) == 3
    assert [spark.read.parquet(str(file)).count() <= 1_000 for file in files] == [True, True, True]


def test_a_partitioned_table_gets_one_file_per_folder(spark: SparkSession, tmp_path: Path) -> None:
    with sql_settings(spark, {ADAPTIVE: "true"}):
        write_table(rows(spark, 1_000, 8), str(tmp_path / "t"), partition_by=["part"], layout=default_layout())
    assert {file.parent.name: 1 for file in data_files(tmp_path / "t")} == {"part=0": 1, "part=1": 1}
    assert len(data_files(tmp_path / "t")) == 2
