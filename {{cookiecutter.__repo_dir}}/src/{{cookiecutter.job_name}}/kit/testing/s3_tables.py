"""What a job left on S3, seen as a reader sees it, through boto3 and pyarrow only (no Spark).

The E2E tests, local (moto behind S3A) and in AWS, assert with these: the data files of each table,
what Spark or S3 left beside them that a reader should never meet, and the rows themselves.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pyarrow.parquet as pq

from ..io.s3 import FOLDER_MARKER_SUFFIX, list_objects, split_s3_uri

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# What the Spark commit protocol, Hadoop's checksums and EMRFS leave beside data files.
LEFTOVER_PARTS = ("_temporary", "_SUCCESS")
LEFTOVER_PREFIXES = (".spark-staging", "_temporary")
LEFTOVER_SUFFIXES = (".crc", FOLDER_MARKER_SUFFIX)


def relative_keys(s3: S3Client, uri: str) -> list[str]:
    """Every key under ``uri`` (a table's folder), relative to it, sorted."""
    bucket, prefix = split_s3_uri(uri)
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    return sorted(item["Key"][len(prefix) :] for item in list_objects(s3, bucket, prefix))


def is_leftover(key: str) -> bool:
    """``key`` (relative to a table) is staging, a commit marker, a checksum or a folder marker, not data."""
    parts = key.split("/")
    return any(part in LEFTOVER_PARTS or part.startswith(LEFTOVER_PREFIXES) for part in parts) or key.endswith(
        LEFTOVER_SUFFIXES
    )


def leftovers(keys: Sequence[str]) -> list[str]:
    return [key for key in keys if is_leftover(key)]


def data_files(keys: Sequence[str]) -> list[str]:
    """The keys a reader of the table reads: no leftover and nothing under a hidden or ``_`` name."""
    return [
        key for key in keys if not is_leftover(key) and not any(part.startswith((".", "_")) for part in key.split("/"))
    ]


def files_by_folder(keys: Sequence[str]) -> dict[str, int]:
    """Data files per folder relative to the table (``.`` for the table's own)."""
    return dict(Counter(key.rpartition("/")[0] or "." for key in data_files(keys)))


def partition_values(key: str) -> dict[str, str]:
    """``order_date=2004-01-02/part-0.parquet`` -> ``{'order_date': '2004-01-02'}`` (Hive-style, unquoted)."""
    values = {}
    for part in key.split("/")[:-1]:
        name, equals, value = part.partition("=")
        if equals:
            values[name] = unquote(value)
    return values


def read_rows(s3: S3Client, uri: str) -> list[dict[str, Any]]:
    """Every row of the Parquet table at ``uri``, with its partition columns as strings from the path."""
    bucket, prefix = split_s3_uri(uri)
    base = prefix.rstrip("/") + "/" if prefix else ""
    rows: list[dict[str, Any]] = []
    for key in data_files(relative_keys(s3, uri)):
        body = s3.get_object(Bucket=bucket, Key=base + key)["Body"].read()
        table = pq.read_table(io.BytesIO(body))
        extra = partition_values(key)
        rows += [{**row, **extra} for row in table.to_pylist()]
    return rows


def rows_digest(rows: Sequence[dict[str, Any]]) -> str:
    """A digest of the rows as a multiset: equal for the same rows in any order and any file split."""
    lines = sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
