"""Plain-Spark runtime: local runs, tests, spark-submit, EMR and EKS."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pyspark.sql import SparkSession

LOG = logging.getLogger(__name__)

# SQL settings every run gets, on Glue too (they can be set on a running session). Adaptive execution is on by
# default from Spark 3.2 and coalesces small shuffle partitions, but not inside cached plans unless this allows it:
# the readers and output checks cache, and without it a few hundred rows still run as 200 tasks per stage.
RUN_SETTINGS = {"spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "true"}


def tune_session(spark: SparkSession) -> SparkSession:
    """Apply ``RUN_SETTINGS`` to ``spark`` and return it."""
    for key, value in RUN_SETTINGS.items():
        spark.conf.set(key, value)
    return spark


class SparkRuntime:
    """Runs the job on any SparkSession. ``init``/``commit`` only log: there is no bookmark store."""

    def __init__(self, spark: SparkSession | None = None) -> None:
        self._spark = spark
        self.job_name: str | None = None
        self.committed = False

    @property
    def spark(self) -> SparkSession:
        if self._spark is None:
            # Created on first use, never at import time. One line per step on the console, not stage bars;
            # Spark's own messages from WARN up.
            self._spark = tune_session(
                SparkSession.builder.config("spark.ui.showConsoleProgress", "false").getOrCreate()
            )
            self._spark.sparkContext.setLogLevel("WARN")
        return self._spark

    def init(self, job_name: str, arguments: Mapping[str, str]) -> None:
        if self.job_name is not None:
            raise RuntimeError(f"Job '{self.job_name}' was already initialised; init runs once per run.")
        self.job_name = job_name
        LOG.info("job %s started with %d arguments", job_name, len(arguments))

    def commit(self) -> None:
        if self.job_name is None:
            raise RuntimeError("commit() before init(): call init(job_name, arguments) first.")
        if self.committed:
            raise RuntimeError(f"Job '{self.job_name}' was already committed; commit runs once per run.")
        self.committed = True
        LOG.info("job %s committed", self.job_name)


def local_spark() -> tuple[SparkSession, bool]:
    """A small local session (or the one already running), and whether this call started it."""
    started = SparkSession.getActiveSession() is None
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("schema-check")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark, started
