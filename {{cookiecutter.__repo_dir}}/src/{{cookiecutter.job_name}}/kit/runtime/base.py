"""What a job needs from the platform it runs on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from pyspark.sql import SparkSession


class JobRuntime(Protocol):
    """A Spark session plus the job lifecycle: ``init`` before the work, ``commit`` after success only."""

    @property
    def spark(self) -> SparkSession: ...

    def init(self, job_name: str, arguments: Mapping[str, str]) -> None: ...

    def commit(self) -> None: ...
