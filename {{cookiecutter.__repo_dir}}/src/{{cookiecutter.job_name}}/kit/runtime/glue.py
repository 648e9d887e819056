"""AWS Glue runtime: GlueContext plus ``Job.init``/``Job.commit`` (job bookmarks).

Only runs on Glue: ``GlueContext`` needs the Glue ETL jar, which is not on PyPI. Tests drive
this class with fakes that record calls (``tests/kit/test_glue_runtime.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pyspark import SparkContext
from pyspark.sql import SparkSession

from .spark import tune_session

ONLY_ON_GLUE = (
    "The Glue runtime only works on AWS Glue (GlueContext needs the Glue ETL jar). "
    "Run locally with runtime='spark', e.g. 'make run-local'."
)


class GlueUnavailableError(RuntimeError):
    """Raised off Glue, where awsglue is missing or cannot reach the Glue jar."""


def _glue_classes() -> tuple[Callable[[SparkContext], Any], Callable[[Any], Any]]:
    # Imported here so the package imports (and tests run) where awsglue is absent.
    try:
        from awsglue.context import GlueContext  # type: ignore[import-not-found,import-untyped,unused-ignore]
        from awsglue.job import Job  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:
        raise GlueUnavailableError(f"{ONLY_ON_GLUE} ({exc})") from exc
    return GlueContext, Job


class GlueRuntime:
    """Wraps GlueContext and Job. Bookmarks are saved by ``commit``, which the handler calls on success only."""

    def __init__(
        self,
        glue_context_factory: Callable[[SparkContext], Any] | None = None,
        job_factory: Callable[[Any], Any] | None = None,
        spark_context: SparkContext | None = None,
    ) -> None:
        if glue_context_factory is None or job_factory is None:
            glue_context_factory, job_factory = _glue_classes()
        try:
            self._glue_context = glue_context_factory(spark_context or SparkContext.getOrCreate())
        except TypeError as exc:
            # Locally awsglue imports, but its JVM classes are missing: "'JavaPackage' object is not callable".
            raise GlueUnavailableError(f"{ONLY_ON_GLUE} ({exc})") from exc
        tune_session(self._glue_context.spark_session)
        self._job_factory = job_factory
        self._job: Any = None
        self._committed = False

    @property
    def glue_context(self) -> Any:
        return self._glue_context

    @property
    def spark(self) -> SparkSession:
        session: SparkSession = self._glue_context.spark_session
        return session

    def init(self, job_name: str, arguments: Mapping[str, str]) -> None:
        if self._job is not None:
            raise RuntimeError(f"Glue job '{job_name}' was already initialised; Job.init runs once per run.")
        self._job = self._job_factory(self._glue_context)
        self._job.init(job_name, dict(arguments))

    def commit(self) -> None:
        if self._job is None:
            raise RuntimeError("commit() before init(): Job.init must run first or no bookmark state exists.")
        if self._committed:
            raise RuntimeError("Job.commit was already called; a second commit would save bookmarks twice.")
        self._job.commit()
        self._committed = True
