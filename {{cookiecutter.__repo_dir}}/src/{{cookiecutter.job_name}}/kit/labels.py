"""Names for the Spark jobs a step runs, so the Spark UI, the event log and ``make bench-job --profile``
say which step each job belongs to (``read orders``, ``write fact_orders``) instead of a call site."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pyspark.sql import SparkSession

DESCRIPTION = "spark.job.description"


@contextmanager
def spark_jobs(spark: SparkSession, description: str) -> Iterator[None]:
    """Every Spark job started in this block (on this thread) is described as ``description``."""
    context = spark.sparkContext
    previous = context.getLocalProperty(DESCRIPTION)
    context.setLocalProperty(DESCRIPTION, description)
    try:
        yield
    finally:
        context.setLocalProperty(DESCRIPTION, previous)  # type: ignore[arg-type]
