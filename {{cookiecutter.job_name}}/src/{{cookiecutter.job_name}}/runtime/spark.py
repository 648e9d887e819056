"""Plain-Spark runtime: local runs, tests, spark-submit, EMR and EKS."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pyspark.sql import SparkSession

LOG = logging.getLogger(__name__)


class SparkRuntime:
    """Runs the job on any SparkSession. ``init``/``commit`` only log: there is no bookmark store."""

    def __init__(self, spark: SparkSession | None = None) -> None:
        self._spark = spark
        self.job_name: str | None = None
        self.committed = False

    @property
    def spark(self) -> SparkSession:
        if self._spark is None:
            # Created on first use, never at import time.
            self._spark = SparkSession.builder.getOrCreate()
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
