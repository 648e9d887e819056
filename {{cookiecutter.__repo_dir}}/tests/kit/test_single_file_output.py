"""Single-file output on local paths: real Spark writes, then the exact directory listing and the bytes."""

from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from {{ cookiecutter.job_name }}.kit.io import hadoop_fs
from {{ cookiecutter.job_name }}.kit.patterns import single_file_output
from {{ cookiecutter.job_name }}.kit.patterns.single_file_output import (
    PartFileCountError,
    move_single_part_file_hadoop,
    write_single_file,
)

ORDERS_CSV = "id,name\n1,a\n2,b\n3,c\n"
ORDERS_JSON = '{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n{"id":3,"name":"c"}\n'


@pytest.fixture(scope="module")
def orders(spark: SparkSession) -> DataFrame:
    # Spread over the session's two default partitions, so coalesce(1) has files to merge.
    return spark.createDataFrame([(1, "a"), (2, "b"), (3, "c")], "id INT, name STRING")


def listing(root: Path) -> list[str]:
    """Every file and directory under root, hidden ones included (.crc, _SUCCESS, temporary prefixes)."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


def read_back(spark: SparkSession, path: Path, file_format: str) -> object:
    if file_format == "parquet":
        return sorted(tuple(row) for row in spark.read.parquet(str(path)).collect())
    return path.read_text()


@pytest.mark.parametrize(
    ("file_format", "expected"),
    [("csv", ORDERS_CSV), ("json", ORDERS_JSON), ("parquet", [(1, "a"), (2, "b"), (3, "c")])],
    ids=["csv", "json", "parquet"],
)
def test_one_file_with_the_exact_name_and_nothing_else(
    spark: SparkSession, orders: DataFrame, tmp_path: Path, file_format: str, expected: object
) -> None:
    destination = tmp_path / "exports" / f"orders.{file_format}"

    write_single_file(orders, str(destination), file_format)

    assert listing(tmp_path) == ["exports", f"exports/orders.{file_format}"]
    assert read_back(spark, destination, file_format) == expected


def test_an_empty_dataframe_still_gives_the_file_with_its_header(spark: SparkSession, tmp_path: Path) -> None:
    destination = tmp_path / "orders.csv"

    write_single_file(spark.createDataFrame([], "id INT, name STRING"), str(destination), "csv")

    assert listing(tmp_path) == ["orders.csv"]
    assert destination.read_text() == "id,name\n"


def test_an_existing_file_is_replaced_only_when_asked(orders: DataFrame, tmp_path: Path) -> None:
    destination = tmp_path / "orders.csv"
    destination.write_text("old\n")
    # A checksum left by an earlier Hadoop write would no longer match the new bytes.
    (tmp_path / ".orders.csv.crc").write_bytes(b"stale")

    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        write_single_file(orders, str(destination), "csv")
    assert destination.read_text() == "old\n"

    write_single_file(orders, str(destination), "csv", overwrite=True)

    assert listing(tmp_path) == ["orders.csv"]
    assert destination.read_text() == ORDERS_CSV


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_files(spark: SparkSession, tmp_path: Path) -> None:
    destination = tmp_path / "orders.csv"
    destination.write_text("old\n")
    failing = spark.range(3).selectExpr("IF(id = 2, raise_error('disk on fire'), id) AS id")

    with pytest.raises(Exception, match="disk on fire"):
        write_single_file(failing, str(destination), "csv", overwrite=True)

    assert listing(tmp_path) == ["orders.csv"]
    assert destination.read_text() == "old\n"


class FailingRename:
    """A Hadoop FileSystem whose rename fails, as on a full disk or a lost lease; everything else is the real one."""

    def __init__(self, fs: Any, failure: str) -> None:
        self.fs = fs
        self.failure = failure

    def rename(self, source: Any, target: Any) -> bool:
        if self.failure == "raises":
            raise OSError(f"No space left on device: {target.toString()}")
        return False  # how Hadoop's rename says it did nothing

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fs, name)


class PartFileCannotMove:
    """The job's FileSystem, except that its raw filesystem (which moves the part file into place) cannot rename."""

    def __init__(self, fs: Any, failure: str) -> None:
        self.fs = fs
        self.failure = failure

    def getRawFileSystem(self) -> FailingRename:  # noqa: N802 - the Hadoop method name
        return FailingRename(self.fs.getRawFileSystem(), self.failure)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fs, name)


@pytest.mark.parametrize(
    ("failure", "message"),
    [("returns false", "could not rename .*part-.* to .*orders.csv"), ("raises", "No space left on device")],
    ids=["rename-returns-false", "rename-raises"],
)
def test_a_failed_move_into_place_puts_the_old_file_back(
    orders: DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str, message: str
) -> None:
    # The old file is already moved aside into the temporary prefix when the part file fails to take its place.
    destination = tmp_path / "orders.csv"
    destination.write_text("old\n")
    hadoop_path, is_checksum_fs = hadoop_fs.hadoop_path, single_file_output._is_checksum_fs

    def failing_hadoop_path(spark: SparkSession, location: str) -> tuple[Any, Any]:
        fs, path = hadoop_path(spark, location)
        return PartFileCannotMove(fs, failure), path

    monkeypatch.setattr(single_file_output, "hadoop_path", failing_hadoop_path)
    monkeypatch.setattr(single_file_output, "_is_checksum_fs", lambda spark, fs: is_checksum_fs(spark, fs.fs))

    with pytest.raises(OSError, match=message):
        write_single_file(orders, str(destination), "csv", overwrite=True)

    assert listing(tmp_path) == ["orders.csv"]
    assert destination.read_text() == "old\n"


@pytest.mark.parametrize("part_count", [0, 2])
def test_the_move_refuses_anything_but_one_part_file(spark: SparkSession, tmp_path: Path, part_count: int) -> None:
    destination = tmp_path / "orders.csv"
    destination.write_text("old\n")
    temp = tmp_path / "_tmp.orders.csv.1"
    temp.mkdir()
    parts = [f"part-0000{index}-c000.csv" for index in range(part_count)]
    for name in [*parts, "_SUCCESS", ".part-00000-c000.csv.crc"]:
        (temp / name).write_text("x\n")

    with pytest.raises(PartFileCountError, match=f"found {part_count}"):
        move_single_part_file_hadoop(spark, str(temp), str(destination), overwrite=True)

    assert listing(tmp_path) == ["orders.csv"]
    assert destination.read_text() == "old\n"


def test_a_directory_is_not_a_file_name(orders: DataFrame, tmp_path: Path) -> None:
    (tmp_path / "orders.csv").mkdir()

    with pytest.raises(IsADirectoryError, match="is a directory"):
        write_single_file(orders, str(tmp_path / "orders.csv"), "csv", overwrite=True)
    with pytest.raises(IsADirectoryError, match="ends with '/'"):
        write_single_file(orders, f"{tmp_path}/exports/", "csv")
    assert listing(tmp_path) == ["orders.csv"]


def test_unsupported_formats_are_refused(orders: DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv, json, parquet"):
        write_single_file(orders, str(tmp_path / "orders.avro"), "avro")
