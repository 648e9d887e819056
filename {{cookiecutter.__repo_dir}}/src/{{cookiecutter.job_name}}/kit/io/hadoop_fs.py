"""Files through Spark's own Hadoop FileSystem: one API for local folders, HDFS and ``s3a://`` alike."""

from __future__ import annotations

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
