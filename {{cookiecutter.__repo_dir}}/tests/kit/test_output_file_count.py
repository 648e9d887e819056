"""Each spec is written as real Parquet, and the part files on disk are counted."""

from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from {{ cookiecutter.job_name }}.kit.patterns.output_file_count import (
    FileCountError,
    FileCountSpec,
    coalesce_to,
    file_count_writer,
    group_by_partition_columns,
)


def part_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet"))


def write(df: DataFrame, spec: FileCountSpec, path: Path) -> None:
    file_count_writer(df, spec).mode("overwrite").parquet(str(path))


@pytest.fixture(scope="module")
def ten_rows_in_one_task(spark: SparkSession) -> DataFrame:
    return spark.range(0, 10, numPartitions=1).selectExpr("id", "IF(id < 7, 'a', 'b') AS region")


def test_files_sets_the_exact_count_from_any_number_of_tasks(spark: SparkSession, tmp_path: Path) -> None:
    write(spark.range(0, 40, numPartitions=3), FileCountSpec(files=4), tmp_path)

    assert len(part_files(tmp_path)) == 4


def test_coalesce_reduces_without_a_shuffle_but_cannot_add_files(spark: SparkSession) -> None:
    df = spark.range(0, 40, numPartitions=3)

    assert FileCountSpec(files=2, shuffle=False).shape(df).rdd.getNumPartitions() == 2
    assert df.transform(coalesce_to(8)).rdd.getNumPartitions() == 3


def test_max_records_per_file_splits_a_task_output(ten_rows_in_one_task: DataFrame, tmp_path: Path) -> None:
    write(ten_rows_in_one_task, FileCountSpec(max_records_per_file=3), tmp_path)

    # 10 rows at most 3 per file: 3 + 3 + 3 + 1.
    assert len(part_files(tmp_path)) == 4


def test_partitioned_write_gets_one_file_per_partition_from_many_tasks(spark: SparkSession, tmp_path: Path) -> None:
    # Four tasks each holding both regions would write eight files without the grouping.
    df = spark.range(0, 40, numPartitions=4).selectExpr("id", "IF(id % 2 = 0, 'a', 'b') AS region")

    write(df, FileCountSpec(files=1, partition_by=("region",)), tmp_path)

    assert {path.name: len(part_files(path)) for path in tmp_path.glob("region=*")} == {"region=a": 1, "region=b": 1}


def test_partitioned_write_with_a_row_cap_splits_each_partition(
    ten_rows_in_one_task: DataFrame, tmp_path: Path
) -> None:
    write(ten_rows_in_one_task, FileCountSpec(max_records_per_file=3, partition_by=("region",)), tmp_path)

    # region a has 7 rows -> 3 + 3 + 1; region b has 3 rows -> one file.
    assert {path.name: len(part_files(path)) for path in tmp_path.glob("region=*")} == {"region=a": 3, "region=b": 1}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "exactly one of files and max_records_per_file"),
        ({"files": 2, "max_records_per_file": 100}, "exactly one of files and max_records_per_file"),
        ({"files": 0}, "files must be a whole number of at least 1, got 0"),
        ({"files": True}, "files must be a whole number of at least 1, got True"),
        ({"max_records_per_file": -5}, "max_records_per_file must be a whole number of at least 1, got -5"),
        ({"files": 3, "partition_by": ("region",)}, "only one file per partition directory"),
        ({"files": 1, "shuffle": False, "partition_by": ("region",)}, r"shuffle=False \(coalesce\) only applies"),
        ({"max_records_per_file": 10, "shuffle": False}, r"shuffle=False \(coalesce\) only applies"),
    ],
)
def test_invalid_specs_are_rejected_with_the_reason(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(FileCountError, match=message):
        FileCountSpec(**arguments)  # type: ignore[arg-type]


def test_factories_reject_bad_arguments_before_any_data_is_touched() -> None:
    with pytest.raises(FileCountError, match="files must be"):
        coalesce_to(0)
    with pytest.raises(FileCountError, match="at least one column"):
        group_by_partition_columns()
