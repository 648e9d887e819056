"""The S3 half of single-file output, against moto.

Spark cannot write to S3 on a laptop (no hadoop-aws jars), so each test lays down what a Spark write
leaves under the temporary prefix, then checks what the boto3 move leaves in the bucket.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from moto import mock_aws
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.io.s3 import TRANSFER_CONFIG
from {{ cookiecutter.job_name }}.kit.patterns.single_file_output import (
    PartFileCountError,
    move_single_part_file_s3,
    write_single_file,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "exports"
TEMP_KEY = "daily/_tmp.orders.csv.0f1e"
DESTINATION_KEY = "daily/orders.csv"
CONTENT = b"id,name\n1,a\n2,b\n"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Client]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def leave_spark_output(s3: S3Client, part_bodies: list[bytes]) -> None:
    """What a Spark write leaves: part files, _SUCCESS, .crc checksums and an EMRFS folder marker."""
    names = [f"part-{index:05d}-5b7c-c000.csv" for index in range(len(part_bodies))]
    for name, body in zip(names, part_bodies, strict=True):
        s3.put_object(Bucket=BUCKET, Key=f"{TEMP_KEY}/{name}", Body=body)
        s3.put_object(Bucket=BUCKET, Key=f"{TEMP_KEY}/.{name}.crc", Body=b"crc")
    s3.put_object(Bucket=BUCKET, Key=f"{TEMP_KEY}/_SUCCESS", Body=b"")
    s3.put_object(Bucket=BUCKET, Key=f"{TEMP_KEY}/._SUCCESS.crc", Body=b"crc")
    s3.put_object(Bucket=BUCKET, Key=f"{TEMP_KEY}_$folder$", Body=b"")


def bucket_contents(s3: S3Client) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def record_operations(s3: S3Client) -> list[str]:
    operations: list[str] = []
    s3.meta.events.register("before-call.s3", lambda model, **_: operations.append(model.name))
    return operations


@pytest.mark.parametrize("scheme", ["s3", "s3a"])
def test_the_part_file_becomes_the_only_object_in_one_copy_request(s3: S3Client, scheme: str) -> None:
    leave_spark_output(s3, [CONTENT])
    operations = record_operations(s3)

    move_single_part_file_s3(
        s3, f"{scheme}://{BUCKET}/{TEMP_KEY}", f"{scheme}://{BUCKET}/{DESTINATION_KEY}", overwrite=False
    )

    assert bucket_contents(s3) == {DESTINATION_KEY: CONTENT}
    assert "CopyObject" in operations
    assert "UploadPartCopy" not in operations
    # A single CopyObject handles up to 5 GiB; only larger files switch to a multipart copy.
    assert TRANSFER_CONFIG.multipart_threshold == 5 * 1024**3


def test_above_the_threshold_the_copy_is_multipart(s3: S3Client) -> None:
    body = b"x" * 2048
    leave_spark_output(s3, [body])
    s3.put_object(Bucket=BUCKET, Key=DESTINATION_KEY, Body=b"old")
    operations = record_operations(s3)

    move_single_part_file_s3(
        s3,
        f"s3://{BUCKET}/{TEMP_KEY}",
        f"s3://{BUCKET}/{DESTINATION_KEY}",
        overwrite=True,
        transfer_config=TransferConfig(multipart_threshold=1024),
    )

    assert bucket_contents(s3) == {DESTINATION_KEY: body}
    assert {"CreateMultipartUpload", "UploadPartCopy", "CompleteMultipartUpload"} <= set(operations)
    assert "CopyObject" not in operations


@pytest.mark.parametrize("part_count", [0, 2])
def test_anything_but_one_part_file_fails_and_keeps_the_destination(s3: S3Client, part_count: int) -> None:
    leave_spark_output(s3, [CONTENT] * part_count)
    s3.put_object(Bucket=BUCKET, Key=DESTINATION_KEY, Body=b"old")

    with pytest.raises(PartFileCountError, match=f"found {part_count}"):
        move_single_part_file_s3(s3, f"s3://{BUCKET}/{TEMP_KEY}", f"s3://{BUCKET}/{DESTINATION_KEY}", overwrite=True)

    assert bucket_contents(s3) == {DESTINATION_KEY: b"old"}


def fail_requests(s3: S3Client, operation: str, after: int = 0) -> None:
    """Make every ``operation`` request after the first ``after`` fail, as S3 does when it is overloaded."""
    calls: list[str] = []

    def refuse(**_: Any) -> None:
        calls.append(operation)
        if len(calls) > after:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, operation)

    s3.meta.events.register(f"before-call.s3.{operation}", refuse)


@pytest.mark.parametrize(
    ("operation", "transfer_config"),
    [
        ("CopyObject", TRANSFER_CONFIG),
        # The second part fails after the first was copied: the multipart upload is aborted, never completed.
        ("UploadPartCopy", TransferConfig(multipart_threshold=5 * 1024**2, multipart_chunksize=5 * 1024**2)),
    ],
    ids=["copy", "multipart-copy"],
)
def test_a_failed_copy_keeps_the_old_object_and_removes_the_temporary_prefix(
    s3: S3Client, operation: str, transfer_config: TransferConfig
) -> None:
    body = b"x" * (6 * 1024**2)  # two parts of the multipart copy
    leave_spark_output(s3, [body])
    s3.put_object(Bucket=BUCKET, Key=DESTINATION_KEY, Body=b"old")
    fail_requests(s3, operation, after=0 if operation == "CopyObject" else 1)

    with pytest.raises(ClientError, match="SlowDown"):
        move_single_part_file_s3(
            s3,
            f"s3://{BUCKET}/{TEMP_KEY}",
            f"s3://{BUCKET}/{DESTINATION_KEY}",
            overwrite=True,
            transfer_config=transfer_config,
        )

    assert bucket_contents(s3) == {DESTINATION_KEY: b"old"}
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_an_existing_object_is_kept_without_overwrite(s3: S3Client) -> None:
    leave_spark_output(s3, [CONTENT])
    s3.put_object(Bucket=BUCKET, Key=DESTINATION_KEY, Body=b"old")

    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        move_single_part_file_s3(s3, f"s3://{BUCKET}/{TEMP_KEY}", f"s3://{BUCKET}/{DESTINATION_KEY}", overwrite=False)

    assert bucket_contents(s3) == {DESTINATION_KEY: b"old"}


def test_a_prefix_with_objects_under_it_is_not_a_file_name(s3: S3Client) -> None:
    leave_spark_output(s3, [CONTENT])
    s3.put_object(Bucket=BUCKET, Key=f"{DESTINATION_KEY}/part-00000.csv", Body=b"old")

    with pytest.raises(IsADirectoryError, match="prefix with objects under it"):
        move_single_part_file_s3(s3, f"s3://{BUCKET}/{TEMP_KEY}", f"s3://{BUCKET}/{DESTINATION_KEY}", overwrite=True)

    assert bucket_contents(s3) == {f"{DESTINATION_KEY}/part-00000.csv": b"old"}


def test_write_refuses_an_existing_object_before_spark_runs(spark: SparkSession, s3: S3Client) -> None:
    s3.put_object(Bucket=BUCKET, Key=DESTINATION_KEY, Body=b"old")
    operations = record_operations(s3)

    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        write_single_file(spark.range(1), f"s3://{BUCKET}/{DESTINATION_KEY}", "csv", s3_client=s3)

    # Only look-ups: nothing was written or deleted.
    assert set(operations) == {"ListObjectsV2"}
    assert bucket_contents(s3) == {DESTINATION_KEY: b"old"}
