"""Publishing a write's outputs (``kit/io/publish.py``): what each storage leaves after a run, a rerun and a failure.

Local tables go through ``write_outputs``; the move publisher runs on the local filesystem through Hadoop
(as on HDFS) with real Spark writes, and on S3 against moto, where Spark cannot write on a laptop: the test
lays down what a Spark write leaves in the staging prefix instead.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, IntegerType, StructField, StructType

from {{ cookiecutter.job_name }}.kit import steps
from {{ cookiecutter.job_name }}.kit.args import JobConfig
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.io import publish
from {{ cookiecutter.job_name }}.kit.io.publish import (
    HadoopStore,
    LocalPublisher,
    MovePublisher,
    Publication,
    PublishError,
    S3Store,
    emptied_folders,
    publisher_for,
)
from {{ cookiecutter.job_name }}.kit.io.writers import FileLayout, count_written, write_table
from {{ cookiecutter.job_name }}.kit.results import WrittenTable
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage
from {{ cookiecutter.job_name }}.kit.testing.fixtures import TEST_BUCKET
from {{ cookiecutter.job_name }}.kit.testing.frames import frame

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SALES = StructType(
    [StructField("sale_id", IntegerType(), False), StructField("sale_date", DateType(), False, {"partition_key": True})]
)
FIRST = [(1, date(2024, 1, 1)), (2, date(2024, 1, 1)), (3, date(2024, 1, 2))]
# 2024-01-01 has no rows any more: its partition must go.
SECOND = [(3, date(2024, 1, 2)), (4, date(2024, 1, 3))]


@pytest.fixture
def sales_job(declared: DeclaredPackage) -> DeclaredPackage:
    declared.writing_job("sales_job", {"sales": SALES})
    return declared


def write_sales(spark: SparkSession, rows: list[tuple[Any, ...]], table: Path, run_id: str) -> WrittenTable:
    config = JobConfig.model_validate({"JOB_NAME": "sales_job", "JOB_RUN_ID": run_id})
    written, _ = steps.write_outputs(
        load_job("sales_job"), {"sales": frame(spark, SALES, rows)}, {"sales": str(table)}, config
    )
    return written[0]


def read(spark: SparkSession, table: Path | str) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in spark.read.parquet(str(table)).collect())


def tree(folder: Path) -> list[str]:
    """Every path under ``folder``, relative, with symlinks shown as ``name -> target`` and not followed."""
    found = []
    for parent, folders, files in os.walk(folder):
        for name in sorted(folders + files):
            path = Path(parent) / name
            relative = path.relative_to(folder).as_posix()
            found.append(f"{relative} -> {os.readlink(path)}" if path.is_symlink() else relative)
    return sorted(found)


def data_files_by_folder(table: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in table.rglob("*.parquet"):
        folder = path.parent.relative_to(table).as_posix()
        counts[folder] = counts.get(folder, 0) + 1
    return counts


# --- Local: through write_outputs -------------------------------------------------------------------------


def test_a_local_table_is_a_link_to_its_one_version_and_a_rerun_replaces_it_file_for_file(
    spark: SparkSession, sales_job: DeclaredPackage, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"

    first = write_sales(spark, FIRST, table, "run-1")
    first_files = data_files_by_folder(table)
    rerun = write_sales(spark, FIRST, table, "run-1")  # the same run id again: a version of its own all the same

    assert first == WrittenTable(name="sales", path=str(table), rows=3, files=2)
    assert rerun == first
    assert read(spark, table) == FIRST
    assert data_files_by_folder(table) == first_files == {"sale_date=2024-01-01": 1, "sale_date=2024-01-02": 1}
    (version,) = os.listdir(tmp_path / "out" / ".sales.versions")
    assert version.startswith("run-1-")
    assert sorted(os.listdir(tmp_path / "out")) == [".sales.versions", "sales"]
    assert os.readlink(table) == f".sales.versions/{version}"
    assert [re.sub(r"part-[^/]+[.]parquet", "part-*.parquet", entry) for entry in tree(table)] == [
        "._SUCCESS.crc",
        "_SUCCESS",
        "sale_date=2024-01-01",
        "sale_date=2024-01-01/.part-*.parquet.crc",
        "sale_date=2024-01-01/part-*.parquet",
        "sale_date=2024-01-02",
        "sale_date=2024-01-02/.part-*.parquet.crc",
        "sale_date=2024-01-02/part-*.parquet",
    ]


def test_a_local_rebuild_drops_the_partition_whose_rows_are_gone(
    spark: SparkSession, sales_job: DeclaredPackage, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"
    write_sales(spark, FIRST, table, "run-1")

    written = write_sales(spark, SECOND, table, "run-2")

    assert written == WrittenTable(name="sales", path=str(table), rows=2, files=2)
    assert read(spark, table) == SECOND
    assert sorted(path.name for path in table.iterdir() if path.is_dir()) == [
        "sale_date=2024-01-02",
        "sale_date=2024-01-03",
    ]
    assert len(os.listdir(tmp_path / "out" / ".sales.versions")) == 1


def test_a_table_folder_of_the_earlier_layout_is_replaced_with_its_leftovers(
    spark: SparkSession, sales_job: DeclaredPackage, tmp_path: Path
) -> None:
    """Before publishing, a table was overwritten in place, and a killed run left Spark's staging in it."""
    table = tmp_path / "out" / "sales"
    write_table(frame(spark, SALES, FIRST), str(table), partition_by=["sale_date"], layout=FileLayout())
    (table / ".spark-staging-0f1e").mkdir()
    (table / ".spark-staging-0f1e" / "part-00000.parquet").write_bytes(b"half")
    (table / "_temporary" / "0").mkdir(parents=True)

    write_sales(spark, SECOND, table, "run-2")

    assert read(spark, table) == SECOND
    (version,) = os.listdir(tmp_path / "out" / ".sales.versions")
    assert sorted(os.listdir(tmp_path / "out")) == [".sales.versions", "sales"]
    assert os.readlink(table) == f".sales.versions/{version}"
    assert not [entry for entry in tree(tmp_path / "out") if "spark-staging" in entry or "_temporary" in entry]


def test_a_write_that_fails_while_staging_leaves_the_table_and_nothing_else(
    spark: SparkSession, sales_job: DeclaredPackage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "out" / "sales"
    write_sales(spark, FIRST, table, "run-1")
    before = tree(tmp_path / "out")

    def write_then_fail(df: Any, path: str, **options: Any) -> None:
        write_table(df, path, **options)
        raise OSError("disk full")

    monkeypatch.setattr(steps, "write_table", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_sales(spark, SECOND, table, "run-2")

    assert read(spark, table) == FIRST
    assert tree(tmp_path / "out") == before


# --- Other Hadoop filesystems: the move publisher, here on the local filesystem through Hadoop -------------


class FailingStore(HadoopStore):
    """A Hadoop store whose moves fail after the first ``moves``, as a lost connection would."""

    def __init__(self, spark: SparkSession, moves: int) -> None:
        super().__init__(spark)
        self.moves = moves

    def move(self, source: str, target: str) -> None:
        if self.moves == 0:
            raise OSError("connection lost")
        self.moves -= 1
        super().move(source, target)


def stage_and_publish(
    spark: SparkSession, table: Path, run_id: str, rows: list[tuple[Any, ...]], store: HadoopStore | None = None
) -> WrittenTable:
    """What ``write_outputs`` does with one table, through the move publisher on ``store``."""
    mover = MovePublisher(store or HadoopStore(spark))
    publication = Publication(spark, {"sales": str(table)}, run_id, publishers=lambda _: mover)
    publication.prepare()
    staged = publication.staging("sales")
    write_table(frame(spark, SALES, rows), staged, partition_by=["sale_date"], layout=FileLayout())
    written = count_written(spark, "sales", str(table), staged=staged)
    publication.publish()
    return written


def test_the_move_publisher_replaces_a_hadoop_table_exactly(spark: SparkSession, tmp_path: Path) -> None:
    table = tmp_path / "out" / "sales"

    first = stage_and_publish(spark, table, "run-1", FIRST)
    second = stage_and_publish(spark, table, "run-2", SECOND)

    assert first == WrittenTable(name="sales", path=str(table), rows=3, files=2)
    assert second == WrittenTable(name="sales", path=str(table), rows=2, files=2)
    assert read(spark, table) == SECOND
    assert not table.is_symlink()
    # Only the second run's files: the partition without rows is gone, and nothing is left staged.
    assert sorted(os.listdir(tmp_path / "out")) == ["sales"]
    # Data files only (the local filesystem's checksums move with their file): no _SUCCESS before the data.
    assert [re.sub(r"part-[^/]+[.]parquet", "part-*.parquet", entry) for entry in tree(table)] == [
        "sale_date=2024-01-02",
        "sale_date=2024-01-02/.part-*.parquet.crc",
        "sale_date=2024-01-02/part-*.parquet",
        "sale_date=2024-01-03",
        "sale_date=2024-01-03/.part-*.parquet.crc",
        "sale_date=2024-01-03/part-*.parquet",
    ]


def test_a_move_publish_that_fails_midway_is_finished_by_the_next_write(spark: SparkSession, tmp_path: Path) -> None:
    table = tmp_path / "out" / "sales"
    stage_and_publish(spark, table, "run-1", FIRST)

    # The 2024-01-02 file is moved in; the 2024-01-03 file is not.
    with pytest.raises(OSError, match="connection lost"):
        stage_and_publish(spark, table, "run-2", SECOND, store=FailingStore(spark, moves=1))

    # Files of both runs side by side: a move publish is not atomic for readers, as the guide says.
    assert read(spark, table) == sorted([*FIRST, (3, date(2024, 1, 2))])
    assert (tmp_path / "out" / ".sales.staging" / publish.JOURNAL).is_file()

    Publication(spark, {"sales": str(table)}, "run-3", publishers=lambda _: MovePublisher(HadoopStore(spark))).prepare()

    assert read(spark, table) == SECOND
    assert sorted(os.listdir(tmp_path / "out")) == ["sales"]


# --- S3, against moto ----------------------------------------------------------------------------------------

TABLE = f"s3://{TEST_BUCKET}/lake/sales"


def keys(s3: S3Client) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=TEST_BUCKET).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=TEST_BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def leave_spark_output(s3: S3Client, staged: str, files: dict[str, bytes]) -> None:
    """What a Spark write on Glue leaves: the files, ``_SUCCESS`` and EMRFS folder markers."""
    key = staged.split(f"{TEST_BUCKET}/", 1)[1]
    for name, body in {**files, "_SUCCESS": b""}.items():
        s3.put_object(Bucket=TEST_BUCKET, Key=f"{key}/{name}", Body=body)
    s3.put_object(Bucket=TEST_BUCKET, Key=f"{key}_$folder$", Body=b"")


def publish_to_s3(spark: SparkSession, s3: S3Client, run_id: str, files: dict[str, bytes]) -> Publication:
    publication = Publication(spark, {"sales": TABLE}, run_id)
    publication.prepare()
    leave_spark_output(s3, publication.staging("sales"), files)
    publication.publish()
    return publication


RUN_1 = {"sale_date=2024-01-01/part-0-a.parquet": b"1", "sale_date=2024-01-02/part-0-a.parquet": b"2"}
RUN_2 = {"sale_date=2024-01-02/part-0-b.parquet": b"3", "sale_date=2024-01-03/part-0-b.parquet": b"4"}


def test_an_s3_table_is_replaced_exactly_by_a_rerun(spark: SparkSession, s3: S3Client) -> None:
    publish_to_s3(spark, s3, "run-1", RUN_1)
    # The data files only: _SUCCESS and the EMRFS marker of the staged write are not published.
    assert keys(s3) == {f"lake/sales/{name}": body for name, body in RUN_1.items()}

    publish_to_s3(spark, s3, "run-2", RUN_2)

    assert keys(s3) == {f"lake/sales/{name}": body for name, body in RUN_2.items()}


def test_an_s3_publish_that_fails_midway_is_rolled_forward_and_killed_staging_swept(
    spark: SparkSession, s3: S3Client
) -> None:
    publish_to_s3(spark, s3, "run-1", RUN_1)
    store = S3Store()  # created inside moto's mock, like the fixture's client
    copies: list[str] = []

    def fail_the_second_copy(**_: Any) -> None:
        copies.append("copy")
        if len(copies) == 2:
            raise ClientError(
                {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "CopyObject"
            )

    store.client.meta.events.register("before-call.s3.CopyObject", fail_the_second_copy)
    failing = Publication(spark, {"sales": TABLE}, "run-2", publishers=lambda _: MovePublisher(store))
    failing.prepare()
    leave_spark_output(s3, failing.staging("sales"), RUN_2)

    with pytest.raises(ClientError, match="SlowDown"):
        failing.publish()

    # The first new data file is in, beside both old ones.
    assert sorted(key for key in keys(s3) if key.startswith("lake/sales/")) == sorted(
        f"lake/sales/{name}" for name in [*RUN_1, next(iter(RUN_2))]
    )
    assert "lake/.sales.staging/.journal.json" in keys(s3)
    # A killed run's half-written staging is there too.
    s3.put_object(Bucket=TEST_BUCKET, Key="lake/.sales.staging/killed-0f1e2d3c/part-0-c.parquet", Body=b"half")

    Publication(spark, {"sales": TABLE}, "run-3").prepare()

    assert keys(s3) == {f"lake/sales/{name}": body for name, body in RUN_2.items()}


# --- The pieces ---------------------------------------------------------------------------------------------


def test_each_storage_gets_its_publisher(spark: SparkSession, tmp_path: Path) -> None:
    assert isinstance(publisher_for(spark, str(tmp_path / "t")), LocalPublisher)
    assert isinstance(publisher_for(spark, f"file://{tmp_path}/t"), LocalPublisher)
    for location in ("s3://bucket/out/t", "s3a://bucket/out/t"):
        publisher = publisher_for(spark, location)
        assert isinstance(publisher, MovePublisher)
        assert isinstance(publisher.store, S3Store)


def test_the_folders_a_move_empties_are_the_outermost_that_hold_no_new_file() -> None:
    old = ["a=1/b=1/part-0", "a=1/b=2/part-0", "a=2/b=1/part-0", "_SUCCESS"]
    new = ["a=1/b=1/part-1", "a=3/b=1/part-1", "_SUCCESS"]

    assert emptied_folders(old, new) == ["a=1/b=2", "a=2"]


def test_tables_that_cannot_be_published_are_refused_with_the_reason(spark: SparkSession) -> None:
    with pytest.raises(PublishError, match=r"outputs share the paths \['s3://b/out/t'\]"):
        Publication(spark, {"a": "s3://b/out/t", "b": "s3://b/out/t"}, "run-1")
    with pytest.raises(PublishError, match="run id 'a/b' cannot name a folder"):
        Publication(spark, {"a": "s3://b/out/t"}, "a/b")
    with pytest.raises(PublishError, match="give each table a folder of its own"):
        Publication(spark, {"a": "s3://bucket"}, "run-1")
