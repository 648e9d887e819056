"""Publishing some partitions of a table only (``PartitionScope`` in ``kit/io/publish.py``).

The rules: the new files land before any old one goes; in the scoped partitions, only files older than the
run's start are deleted, so another writer's newer file stays; the other partitions are not touched; a
scoped partition with no new rows is emptied; a publish cut short is finished by the next write with the
same scope. Each is checked on the local filesystem (real Spark writes) and on S3 (moto).
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, IntegerType, StructField, StructType

from {{ cookiecutter.job_name }}.kit import patterns, steps
from {{ cookiecutter.job_name }}.kit.args import JobConfig
from {{ cookiecutter.job_name }}.kit.declarations import DeclarationError, load_contract, load_job
from {{ cookiecutter.job_name }}.kit.io.publish import (
    LocalPublisher,
    MovePublisher,
    PartitionScope,
    Publication,
    PublishError,
    S3Store,
)
from {{ cookiecutter.job_name }}.kit.io.writers import FileLayout, write_table
from {{ cookiecutter.job_name }}.kit.patterns import Pattern
from {{ cookiecutter.job_name }}.kit.testing.data import age_files
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage
from {{ cookiecutter.job_name }}.kit.testing.fixtures import TEST_BUCKET
from {{ cookiecutter.job_name }}.kit.testing.frames import frame

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SALES = StructType([StructField("sale_id", IntegerType(), False), StructField("sale_date", DateType(), False)])
DAY_1, DAY_2 = date(2024, 1, 1), date(2024, 1, 2)
FIRST = [(1, DAY_1), (2, DAY_1), (3, DAY_2)]
HOUR = 3600


def read(spark: SparkSession, table: Path | str) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in spark.read.parquet(str(table)).collect())


def files_with_times(folder: Path) -> dict[str, float]:
    return {path.relative_to(folder).as_posix(): path.stat().st_mtime for path in folder.rglob("*") if path.is_file()}


def write(spark: SparkSession, rows: list[tuple[Any, ...]], location: Path | str) -> None:
    write_table(frame(spark, SALES, rows), str(location), partition_by=["sale_date"], layout=FileLayout())


def publish_local(
    spark: SparkSession, table: Path, run_id: str, rows: list[tuple[Any, ...]], scope: PartitionScope | None = None
) -> None:
    publication = Publication(spark, {"sales": str(table)}, run_id, scopes={"sales": scope} if scope else None)
    publication.prepare()
    write(spark, rows, publication.staging("sales"))
    publication.publish()


# --- Local filesystem --------------------------------------------------------------------------------------


def test_a_partial_publish_replaces_only_its_partition_and_keeps_a_newer_file_of_another_writer(
    spark: SparkSession, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"
    publish_local(spark, table, "run-1", FIRST)
    age_files(table, HOUR)
    untouched = {name: t for name, t in files_with_times(table).items() if name.startswith("sale_date=2024-01-02")}
    # Another writer's file in the rebuilt partition, written after this run started.
    write(spark, [(99, DAY_1)], tmp_path / "other")
    (concurrent,) = (tmp_path / "other" / "sale_date=2024-01-01").glob("part-*.parquet")
    shutil.copy(concurrent, table / "sale_date=2024-01-01" / "part-other.parquet")
    started = time.time() - 60

    publish_local(spark, table, "run-2", [(10, DAY_1)], PartitionScope("sale_date", ("2024-01-01",), started))

    assert read(spark, table) == [(3, DAY_2), (10, DAY_1), (99, DAY_1)]
    after = files_with_times(table)
    assert {name: when for name, when in after.items() if name.startswith("sale_date=2024-01-02")} == untouched
    day_1 = sorted(name for name in after if name.startswith("sale_date=2024-01-01/"))
    # The old part file and its checksum are gone; the new part file is in; no checksum came with it.
    assert len(day_1) == 2
    assert "sale_date=2024-01-01/part-other.parquet" in day_1
    assert all(not name.endswith(".crc") for name in day_1)
    # Nothing staged is left: the versions folder holds the table's own version only.
    assert len(os.listdir(tmp_path / "out" / ".sales.versions")) == 1


def test_a_partial_publish_keeps_its_own_files_even_when_the_run_started_later_by_the_storage_clock(
    spark: SparkSession, tmp_path: Path
) -> None:
    """A driver clock an hour ahead makes every file look older than the run: the new ones stay all the same."""
    table = tmp_path / "out" / "sales"
    publish_local(spark, table, "run-1", FIRST)

    scope = PartitionScope("sale_date", ("2024-01-01",), time.time() + HOUR)
    publish_local(spark, table, "run-2", [(10, DAY_1)], scope)

    assert read(spark, table) == [(3, DAY_2), (10, DAY_1)]


def test_a_partial_publish_empties_a_scoped_partition_that_has_no_rows_any_more(
    spark: SparkSession, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"
    publish_local(spark, table, "run-1", FIRST)
    age_files(table, HOUR)

    scope = PartitionScope("sale_date", ("2024-01-01", "2024-01-02"), time.time())
    publish_local(spark, table, "run-2", [(4, DAY_2)], scope)

    assert read(spark, table) == [(4, DAY_2)]
    assert sorted(path.name for path in table.iterdir() if path.is_dir()) == ["sale_date=2024-01-02"]


def test_a_partial_publish_of_a_table_not_yet_written_publishes_what_was_staged(
    spark: SparkSession, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"

    publish_local(spark, table, "run-1", [(3, DAY_2)], PartitionScope("sale_date", ("2024-01-02",), time.time()))

    assert read(spark, table) == [(3, DAY_2)]
    assert table.is_symlink()


def test_staged_rows_outside_the_scope_are_refused_and_nothing_is_published(
    spark: SparkSession, tmp_path: Path
) -> None:
    table = tmp_path / "out" / "sales"
    publish_local(spark, table, "run-1", FIRST)
    before = files_with_times(table)

    with pytest.raises(PublishError, match=r"outside the partitions it may replace \(sale_date=2024-01-02\)"):
        publish_local(spark, table, "run-2", FIRST, PartitionScope("sale_date", ("2024-01-02",), time.time()))

    assert files_with_times(table) == before
    assert read(spark, table) == FIRST


@pytest.mark.parametrize("value", ["", "2024/01/01", ".hidden", "_temporary", "10:30", "50%", "a=b", "tab\there"])
def test_a_scope_value_that_cannot_name_a_partition_folder_is_refused(value: str) -> None:
    with pytest.raises(PublishError, match="cannot name a partition folder of sale_date"):
        PartitionScope("sale_date", (value,), 0.0)


def test_a_partial_publish_whose_new_files_are_gone_keeps_the_old_ones(spark: SparkSession, tmp_path: Path) -> None:
    """The staging vanished before its files were moved in (swept by hand, say): nothing old may go."""
    table = tmp_path / "out" / "sales"
    publish_local(spark, table, "run-1", FIRST)
    age_files(table, HOUR)
    scope = PartitionScope("sale_date", ("2024-01-01",), time.time())
    publication = Publication(spark, {"sales": str(table)}, "run-2", scopes={"sales": scope})
    publication.prepare()
    write(spark, [(10, DAY_1)], publication.staging("sales"))
    swap = LocalPublisher().plan(str(table), publication.staging("sales"), scope)
    shutil.rmtree(publication.staging("sales"))

    with pytest.raises(PublishError, match=r"neither staged at .* nor in the table, so its old files are kept"):
        LocalPublisher().swap(swap)

    assert read(spark, table) == FIRST


def test_two_patterns_rebuilding_partitions_of_one_output_are_refused(
    spark: SparkSession, declared: DeclaredPackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    sale_date = StructField("sale_date", DateType(), False, {"partition_key": True})
    declared.writing_job("sales_job", {"sales": StructType([SALES.fields[0], sale_date])})

    def scope_day_1(*_: Any) -> tuple[str, list[str]]:
        return "sale_date", ["2024-01-01"]

    both = [Pattern(name=name, replace_partitions=scope_day_1) for name in ("first", "second")]
    monkeypatch.setattr(patterns, "installed", lambda: both)
    declaration = load_job("sales_job")
    contracts = {"sales": load_contract("sales")}
    config = JobConfig.model_validate({"JOB_NAME": "sales_job"})

    with pytest.raises(DeclarationError, match=r"rebuild some partitions of sales in one run \(first and second\)"):
        steps.partition_scopes(spark, declaration, contracts, {"sales": "s3://b/out/sales"}, config, 0.0)


def test_a_scope_for_a_table_the_write_does_not_have_is_refused(spark: SparkSession) -> None:
    with pytest.raises(PublishError, match=r"partition scopes for \['returns'\]"):
        Publication(spark, {"sales": "s3://b/out/sales"}, "run-1", scopes={"returns": PartitionScope("d", ("1",), 0)})


# --- S3, against moto ----------------------------------------------------------------------------------------

TABLE = f"s3://{TEST_BUCKET}/lake/sales"
OLD = {"sale_date=2024-01-01/part-0-a.parquet": b"1", "sale_date=2024-01-02/part-0-a.parquet": b"2"}
NEW_DAY_1 = {"sale_date=2024-01-01/part-0-b.parquet": b"10"}


def objects(s3: S3Client) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=TEST_BUCKET).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=TEST_BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def put(s3: S3Client, prefix: str, files: dict[str, bytes]) -> None:
    key = prefix.split(f"{TEST_BUCKET}/", 1)[1]
    for name, body in files.items():
        s3.put_object(Bucket=TEST_BUCKET, Key=f"{key}/{name}", Body=body)


def start_of_next_second() -> float:
    """Wait until the clock enters a new second and return that time: S3 keeps times in whole seconds."""
    time.sleep(1.01 - time.time() % 1)
    return time.time()


def test_an_s3_partial_publish_replaces_older_objects_of_its_partition_only(spark: SparkSession, s3: S3Client) -> None:
    put(s3, TABLE, {**OLD, "sale_date=2024-01-01_$folder$": b"", "sale_date=2024-01-01/_SUCCESS": b""})
    started = start_of_next_second()
    put(s3, TABLE, {"sale_date=2024-01-01/part-0-other.parquet": b"99"})  # another writer, after the start
    scope = PartitionScope("sale_date", ("2024-01-01",), started)
    publication = Publication(spark, {"sales": TABLE}, "run-2", scopes={"sales": scope})
    publication.prepare()
    put(s3, publication.staging("sales"), {**NEW_DAY_1, "_SUCCESS": b""})

    publication.publish()

    assert objects(s3) == {
        "lake/sales/sale_date=2024-01-01/part-0-b.parquet": b"10",
        "lake/sales/sale_date=2024-01-01/part-0-other.parquet": b"99",
        "lake/sales/sale_date=2024-01-02/part-0-a.parquet": b"2",
        # The EMRFS marker sits beside the partition, outside it: a partial publish leaves it.
        "lake/sales/sale_date=2024-01-01_$folder$": b"",
    }


def test_a_retry_after_a_publish_killed_before_its_moves_replaces_what_the_roll_forward_moved_in(
    spark: SparkSession, s3: S3Client
) -> None:
    """On S3 the roll-forward copies the killed run's files, which dates them after the retry's start: the
    retry's own publish of the same partition must still replace them, or the partition holds both runs."""
    put(s3, TABLE, OLD)
    started = start_of_next_second()
    scope = PartitionScope("sale_date", ("2024-01-01",), started)
    store = S3Store()
    killed = Publication(
        spark, {"sales": TABLE}, "run-2", publishers=lambda _: MovePublisher(store), scopes={"sales": scope}
    )
    killed.prepare()
    put(s3, killed.staging("sales"), NEW_DAY_1)

    def fail(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "Internal error."}}, "CopyObject")

    store.client.meta.events.register("before-call.s3.CopyObject", fail)
    with pytest.raises(ClientError, match="InternalError"):
        killed.publish()
    # The retry: same partition, its arguments parsed before the roll-forward runs.
    retry_scope = PartitionScope("sale_date", ("2024-01-01",), time.time())
    retry = Publication(spark, {"sales": TABLE}, "run-2", scopes={"sales": retry_scope})
    retry.prepare()
    put(s3, retry.staging("sales"), {"sale_date=2024-01-01/part-0-c.parquet": b"11"})

    retry.publish()

    assert objects(s3) == {
        "lake/sales/sale_date=2024-01-01/part-0-c.parquet": b"11",
        "lake/sales/sale_date=2024-01-02/part-0-a.parquet": b"2",
    }


def test_an_s3_partial_publish_cut_short_is_finished_by_the_next_write_within_its_scope(
    spark: SparkSession, s3: S3Client
) -> None:
    put(s3, TABLE, OLD)
    started = start_of_next_second()
    store = S3Store()

    def fail(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "Reduce your request rate."}}, "DeleteObjects")

    scope = PartitionScope("sale_date", ("2024-01-01",), started)
    failing = Publication(
        spark, {"sales": TABLE}, "run-2", publishers=lambda _: MovePublisher(store), scopes={"sales": scope}
    )
    failing.prepare()
    put(s3, failing.staging("sales"), NEW_DAY_1)
    # Deleting fails from here on: the publish moves the new file in, then cannot delete the old one.
    store.client.meta.events.register("before-call.s3.DeleteObjects", fail)
    with pytest.raises(ClientError, match="SlowDown"):
        failing.publish()
    # Moved in, the old file not yet deleted: both are there for now.
    assert {key for key in objects(s3) if key.startswith("lake/sales/")} == {
        "lake/sales/sale_date=2024-01-01/part-0-a.parquet",
        "lake/sales/sale_date=2024-01-01/part-0-b.parquet",
        "lake/sales/sale_date=2024-01-02/part-0-a.parquet",
    }

    # The next write of the table, a whole one with nothing staged yet, finishes the partial publish first.
    Publication(spark, {"sales": TABLE}, "run-3").prepare()

    assert objects(s3) == {
        "lake/sales/sale_date=2024-01-01/part-0-b.parquet": b"10",
        "lake/sales/sale_date=2024-01-02/part-0-a.parquet": b"2",
    }
