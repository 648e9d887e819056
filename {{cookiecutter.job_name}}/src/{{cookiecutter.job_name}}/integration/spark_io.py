"""Spark readers and writers. Schemas are always explicit: inference guesses, and guesses drift."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType


@dataclass(frozen=True)
class WrittenTable:
    """What a write produced, for logs and for the run summary."""

    name: str
    path: str
    rows: int


def read_csv(spark: SparkSession, path: str, schema: StructType) -> DataFrame:
    """Read CSV with a header against ``schema``.

    FAILFAST makes a malformed row (wrong field count, unparsable value) stop the job instead of
    becoming nulls, and ``enforceSchema=False`` checks the header names against the schema.
    """
    return (
        spark.read.schema(schema)
        .option("header", True)
        .option("enforceSchema", False)
        .option("mode", "FAILFAST")
        .csv(path)
    )


def write_parquet(df: DataFrame, path: str, partition_by: list[str] | None = None) -> None:
    """Overwrite ``path``; with partitions, only the partitions present in ``df`` are replaced."""
    writer = df.write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.parquet(path)


def count_written(spark: SparkSession, name: str, path: str) -> WrittenTable:
    """Count what landed by reading it back (Parquet footers), so the figure is the truth on disk."""
    return WrittenTable(name=name, path=path, rows=spark.read.parquet(path).count())


def describe_written(tables: list[WrittenTable]) -> str:
    """A table of what was written, one line per output, for ``make run-local`` and the logs."""
    width = max((len(table.name) for table in tables), default=5)
    lines = [f"{'table':<{width}}  {'rows':>8}  path"]
    lines += [f"{table.name:<{width}}  {table.rows:>8}  {table.path}" for table in tables]
    return "\n".join(lines)
