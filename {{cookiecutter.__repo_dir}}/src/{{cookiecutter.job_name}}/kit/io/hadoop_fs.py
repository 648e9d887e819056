"""Files through Spark's own Hadoop FileSystem: one API for local folders, HDFS and ``s3a://`` alike."""

from __future__ import annotations

import secrets
from typing import Any

from pyspark.sql import SparkSession


def jvm(spark: SparkSession) -> Any:
    return spark.sparkContext._jvm


def hadoop_path(spark: SparkSession, location: str) -> tuple[Any, Any]:
    """The FileSystem for ``location`` and its qualified Path (a relative path resolves against the cwd)."""
    path = jvm(spark).org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return fs, fs.makeQualified(path)


def child_path(spark: SparkSession, parent: Any, name: str) -> Any:
    return jvm(spark).org.apache.hadoop.fs.Path(parent, name)


def delete_path(spark: SparkSession, location: str) -> None:
    """Delete ``location`` and everything under it; nothing happens if it does not exist."""
    fs, path = hadoop_path(spark, location)
    fs.delete(path, True)


def data_files(spark: SparkSession, location: str) -> list[str]:
    """The data files under ``location``, recursively: Spark skips ``_`` and ``.`` names (``_SUCCESS``, ``.crc``)."""
    fs, root = hadoop_path(spark, location)
    if not fs.exists(root):
        return []
    prefix = root.toString()
    found = []
    files = fs.listFiles(root, True)
    while files.hasNext():
        path = files.next().getPath().toString()
        if not any(part.startswith(("_", ".")) for part in path.removeprefix(prefix).split("/") if part):
            found.append(path)
    return sorted(found)


def relative_files(spark: SparkSession, location: str) -> list[str]:
    """Every file under ``location``, recursively, as a path relative to it, sorted; none if it does not exist.

    Checksum files are left out where the filesystem keeps them (the local one): they follow their file.
    """
    fs, root = hadoop_path(spark, location)
    if not fs.exists(root):
        return []
    prefix = root.toString().rstrip("/") + "/"
    found = []
    files = fs.listFiles(root, True)
    while files.hasNext():
        found.append(files.next().getPath().toString().removeprefix(prefix))
    return sorted(found)


def modified_files(spark: SparkSession, location: str) -> dict[str, float]:
    """``relative_files`` with each file's last-modified time, in seconds since the epoch."""
    fs, root = hadoop_path(spark, location)
    if not fs.exists(root):
        return {}
    prefix = root.toString().rstrip("/") + "/"
    found = {}
    files = fs.listFiles(root, True)
    while files.hasNext():
        status = files.next()
        found[status.getPath().toString().removeprefix(prefix)] = status.getModificationTime() / 1000
    return found


def read_text(spark: SparkSession, location: str) -> str | None:
    """The UTF-8 text of the file at ``location``, or None if there is none."""
    fs, path = hadoop_path(spark, location)
    if not fs.exists(path):
        return None
    stream = fs.open(path)
    try:
        return str(jvm(spark).org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
    finally:
        stream.close()


def write_text(spark: SparkSession, location: str, text: str) -> None:
    """Write ``text`` to a temporary file beside ``location``, then rename it there: it lands whole or not at all."""
    fs, path = hadoop_path(spark, location)
    temporary = child_path(spark, path.getParent(), f".{path.getName()}.{secrets.token_hex(4)}.tmp")
    stream = fs.create(temporary, True)
    try:
        stream.write(text.encode("utf-8"))
    finally:
        stream.close()
    if fs.exists(path):
        fs.delete(path, False)
    if not fs.rename(temporary, path):
        fs.delete(temporary, False)
        raise OSError(f"could not rename {temporary.toString()} to {location}")
