"""Write a DataFrame as one file with an exact name, e.g. ``s3://bucket/exports/report.csv``.

Spark always writes a directory of ``part-*`` files. So the data is written with ``coalesce(1)`` to a
temporary prefix next to the destination, the single part file is moved to the requested name, and
the prefix (``_SUCCESS``, ``.crc``, staging) is deleted. Rows never pass through the driver.

- Local and HDFS paths: the move is a Hadoop FileSystem rename, through Spark's JVM.
- S3 (``s3://``, ``s3a://``): the move is a boto3 copy then delete, in ``move_single_part_file_s3``.

On any failure the temporary prefix is removed and an existing destination is left as it was.

In a job, the declaration (``jobs/<job>.json``, key ``single_file_output``) names the outputs to
export and each one's file name and format: ``{"dim_customers": {"file": "dim_customers.csv", "format": "csv"}}``.
They are exported once every table is written, to ``<export_path>/<file>``, only when the job
argument ``--export_path`` is given; a rerun replaces the files.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from boto3.s3.transfer import TransferConfig
from pydantic import BaseModel, ConfigDict, Field
from pyspark.sql import DataFrame, SparkSession

from ..args import OutputPath
from ..io.hadoop_fs import child_path, delete_path, hadoop_path, jvm
from ..io.s3 import FOLDER_MARKER_SUFFIX, TRANSFER_CONFIG, delete_keys, is_s3, list_objects, split_s3_uri
from . import Pattern

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SUPPORTED_FORMATS = ("csv", "json", "parquet")


class PartFileCountError(RuntimeError):
    """The temporary prefix does not hold exactly one part file, so there is nothing safe to move."""


def write_single_file(
    df: DataFrame,
    destination: str,
    file_format: str,
    *,
    overwrite: bool = False,
    options: Mapping[str, str] | None = None,
    s3_client: S3Client | None = None,
) -> None:
    """Write ``df`` as exactly one file at ``destination``.

    CSV gets a header unless ``options`` says otherwise. An existing file is replaced only with
    ``overwrite=True``; an existing directory at ``destination`` is always an error. ``coalesce(1)``
    also runs the stage that computes ``df`` in one task: if that stage is heavy, pass
    ``df.repartition(1)`` instead, which keeps it parallel at the cost of a shuffle.
    """
    if file_format not in SUPPORTED_FORMATS:
        raise ValueError(f"file_format must be one of {', '.join(SUPPORTED_FORMATS)}, got {file_format!r}")
    temp = temporary_location(destination)
    writer_options = {"header": "true"} if file_format == "csv" else {}
    writer_options.update(options or {})

    if is_s3(destination):
        s3 = s3_client or boto3.client("s3")
        check_s3_destination(s3, destination, overwrite=overwrite)
        _write_one_part(df, temp, file_format, writer_options, cleanup=lambda: delete_s3_prefix(s3, temp))
        move_single_part_file_s3(s3, temp, destination, overwrite=overwrite)
    else:
        spark = df.sparkSession
        check_hadoop_destination(spark, destination, overwrite=overwrite)
        _write_one_part(df, temp, file_format, writer_options, cleanup=lambda: delete_path(spark, temp))
        move_single_part_file_hadoop(spark, temp, destination, overwrite=overwrite)


def temporary_location(destination: str) -> str:
    """A unique sibling of ``destination``; the leading ``_`` hides it from Spark and Glue readers."""
    parent, slash, name = destination.rpartition("/")
    if not name:
        raise IsADirectoryError(f"{destination} ends with '/'; give the path of the file to write")
    return f"{parent}{slash}_tmp.{name}.{uuid.uuid4().hex}"


def _write_one_part(
    df: DataFrame, temp: str, file_format: str, options: Mapping[str, str], cleanup: Callable[[], None]
) -> None:
    try:
        df.coalesce(1).write.format(file_format).options(**options).mode("errorifexists").save(temp)
    except BaseException:
        cleanup()
        raise


def _single_part_file(names: list[str], temp: str) -> str:
    """The one data file among what Spark left in ``temp``: ``_SUCCESS`` and ``.crc`` files are not data."""
    parts = sorted(name for name in names if name.startswith("part-") and not name.endswith(".crc"))
    if len(parts) != 1:
        raise PartFileCountError(f"expected exactly one part file under {temp}, found {len(parts)}: {parts}")
    return parts[0]


# --- Local and HDFS: Hadoop FileSystem through the JVM ---------------------------------------------------


def check_hadoop_destination(spark: SparkSession, destination: str, *, overwrite: bool) -> None:
    fs, path = hadoop_path(spark, destination)
    if not fs.exists(path):
        return
    if fs.getFileStatus(path).isDirectory():
        raise IsADirectoryError(f"{destination} is a directory; give the path of the file to write")
    if not overwrite:
        raise FileExistsError(f"{destination} already exists; pass overwrite=True to replace it")


def move_single_part_file_hadoop(spark: SparkSession, temp: str, destination: str, *, overwrite: bool) -> None:
    """Rename the one part file under ``temp`` to ``destination``, then delete ``temp``.

    A file being replaced is first renamed aside into ``temp`` and is deleted with it only once the new
    file is in place; if the rename fails, it is put back.
    """
    fs, target = hadoop_path(spark, destination)
    _, temp_path = hadoop_path(spark, temp)
    try:
        check_hadoop_destination(spark, destination, overwrite=overwrite)
        part = _single_part_file([status.getPath().getName() for status in fs.listStatus(temp_path)], temp)
        source = child_path(spark, temp_path, part)
        # The raw filesystem moves only the data file; its .crc checksum is deleted with ``temp``.
        raw = fs.getRawFileSystem() if _is_checksum_fs(spark, fs) else fs
        previous = child_path(spark, temp_path, "previous") if fs.exists(target) else None
        if previous is not None and not fs.rename(target, previous):
            raise OSError(f"could not move the existing {destination} aside")
        try:
            if not raw.rename(source, target):
                raise OSError(f"could not rename {source.toString()} to {destination}")
        except BaseException:
            if previous is not None:
                fs.rename(previous, target)
            raise
    finally:
        fs.delete(temp_path, True)


def _is_checksum_fs(spark: SparkSession, fs: Any) -> bool:
    """The local filesystem writes a ``.crc`` beside each file; renaming through it would move that too."""
    checksum_fs = jvm(spark).java.lang.Class.forName("org.apache.hadoop.fs.ChecksumFileSystem")
    return bool(checksum_fs.isInstance(fs))


# --- S3: boto3 copy and delete ---------------------------------------------------------------------------


def check_s3_destination(s3: S3Client, destination: str, *, overwrite: bool) -> None:
    bucket, key = split_s3_uri(destination)
    if list_objects(s3, bucket, f"{key}/", limit=1):
        raise IsADirectoryError(f"{destination} is a prefix with objects under it; give the key of the file")
    if not overwrite and _s3_object_exists(s3, bucket, key):
        raise FileExistsError(f"{destination} already exists; pass overwrite=True to replace it")


def move_single_part_file_s3(
    s3: S3Client,
    temp: str,
    destination: str,
    *,
    overwrite: bool,
    transfer_config: TransferConfig = TRANSFER_CONFIG,
) -> None:
    """Copy the one ``part-*`` object under ``temp`` to ``destination``, then delete everything under ``temp``.

    boto3's managed copy sends one CopyObject below ``transfer_config.multipart_threshold`` (5 GiB by
    default, the CopyObject limit) and a multipart copy above it. Either way the new object replaces the
    old one in one step, so readers never see a partial file.
    """
    temp_bucket, temp_key = split_s3_uri(temp)
    bucket, key = split_s3_uri(destination)
    try:
        check_s3_destination(s3, destination, overwrite=overwrite)
        names = [item["Key"].removeprefix(f"{temp_key}/") for item in list_objects(s3, temp_bucket, f"{temp_key}/")]
        part = _single_part_file(names, temp)
        source_key = f"{temp_key}/{part}"
        s3.copy(CopySource={"Bucket": temp_bucket, "Key": source_key}, Bucket=bucket, Key=key, Config=transfer_config)
    finally:
        delete_s3_prefix(s3, temp)


def delete_s3_prefix(s3: S3Client, location: str) -> None:
    """Delete every object under ``location``, and its EMRFS ``_$folder$`` marker, 1,000 keys a request."""
    bucket, key = split_s3_uri(location)
    keys = [item["Key"] for item in list_objects(s3, bucket, f"{key}/")]
    marker = f"{key}{FOLDER_MARKER_SUFFIX}"
    keys += [marker] if _s3_object_exists(s3, bucket, marker) else []
    delete_keys(s3, bucket, keys)


def _s3_object_exists(s3: S3Client, bucket: str, key: str) -> bool:
    # A key sorts first among the keys it prefixes, so a one-item listing answers without a 404 to handle.
    found = list_objects(s3, bucket, key, limit=1)
    return bool(found) and found[0]["Key"] == key


# --- In a job: the declaration's exports and the --export_path argument ---------------------------


class SingleFileOutputArguments(BaseModel):
    """The job argument that turns the declared exports on for a run."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    export_path: OutputPath | None = Field(
        default=None,
        description="folder or s3:// prefix; each declared export is written there as one file (off when absent)",
    )


def declared_exports(outputs: Sequence[str], settings: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Output -> (file name, format) from the declaration, checked."""
    exports = {}
    for output, export in settings.items():
        if output not in outputs:
            raise ValueError(
                f"single_file_output names '{output}', which is not an output of the job: {sorted(outputs)}"
            )
        name, file_format = (export.get("file"), export.get("format")) if isinstance(export, dict) else (None, None)
        if not isinstance(name, str) or not name or "/" in name or file_format not in SUPPORTED_FORMATS:
            raise ValueError(
                f"single_file_output of {output}: give a 'file' name without folders and a 'format' (one of "
                f"{', '.join(SUPPORTED_FORMATS)}), got {export!r}"
            )
        exports[output] = (name, file_format)
    return exports


def _validate(outputs: Mapping[str, Sequence[str]], settings: Any, arguments: Any) -> None:
    declared_exports(list(outputs), settings)


def _export(tables: Mapping[str, DataFrame], settings: Any, arguments: Any) -> list[str]:
    if arguments.export_path is None:
        return []
    lines = []
    for output, (name, file_format) in declared_exports(list(tables), settings).items():
        destination = f"{arguments.export_path.rstrip('/')}/{name}"
        write_single_file(tables[output], destination, file_format, overwrite=True)
        lines.append(f"exported {output} as one {file_format} file: {destination}")
    return lines


PATTERN = Pattern(
    name="single_file_output", arguments=SingleFileOutputArguments, validate=_validate, after_write=_export
)
