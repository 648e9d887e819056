"""S3 objects through boto3: what the kit's publisher and the single-file pattern both need.

Spark reaches S3 through Hadoop's connector; moving, listing and deleting objects goes through boto3,
which is on every Glue runtime and which moto mocks in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from boto3.s3.transfer import TransferConfig

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

S3_SCHEMES = ("s3://", "s3a://")
# One CopyObject request copies at most 5 GiB; above that only a multipart copy works.
COPY_OBJECT_LIMIT = 5 * 1024**3
# boto3's managed copy: one CopyObject up to the limit, a multipart copy above it.
TRANSFER_CONFIG = TransferConfig(multipart_threshold=COPY_OBJECT_LIMIT, multipart_chunksize=256 * 1024**2)
# EMRFS marks a written "directory" with a sibling object named like this.
FOLDER_MARKER_SUFFIX = "_$folder$"
DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


def is_s3(location: str) -> bool:
    return location.startswith(S3_SCHEMES)


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` or ``s3a://bucket/a/b`` -> ``("bucket", "a/b")``."""
    bucket, _, key = uri.partition("://")[2].partition("/")
    if not is_s3(uri) or not bucket or not key:
        raise ValueError(f"expected s3://bucket/key or s3a://bucket/key, got {uri!r}")
    return bucket, key


def list_objects(s3: S3Client, bucket: str, prefix: str, limit: int | None = None) -> list[Any]:
    """The objects whose keys start with ``prefix`` (at most ``limit`` of them), in key order."""
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"MaxItems": limit, "PageSize": limit} if limit else {}
    )
    return [item for page in pages for item in page.get("Contents", [])]


def delete_keys(s3: S3Client, bucket: str, keys: Sequence[str]) -> None:
    """Delete ``keys`` in ``bucket``, a batch per request; a key that does not exist is no error."""
    for start in range(0, len(keys), DELETE_BATCH):
        batch: list[ObjectIdentifierTypeDef] = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
        errors = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True}).get("Errors", [])
        if errors:
            raise OSError(f"could not delete {len(errors)} objects in s3://{bucket}, e.g. {errors[0]}")
