"""The thin handler: parse arguments, build the runtime, run the pipeline, commit.

It never knows which runtime it has; the entry point picks one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache
from typing import TypeVar, cast

from pyspark.sql import SparkSession

from .args import JobConfig, parse_job_arguments
from .patterns import argument_models
from .runtime import JobRuntime
from .runtime.run import running

LOG = logging.getLogger(__name__)

ConfigT = TypeVar("ConfigT", bound=JobConfig)
ResultT = TypeVar("ResultT")


@cache
def job_arguments(config_type: type[ConfigT]) -> type[ConfigT]:
    """``config_type`` plus the arguments of every installed pattern: the full set a run of the job accepts."""
    models = argument_models()
    if not models:
        return config_type
    combined = type(config_type.__name__, (config_type, *models), {"__module__": config_type.__module__})
    return cast("type[ConfigT]", combined)


def run_job(
    argv: Sequence[str],
    config_type: type[ConfigT],
    pipeline: Callable[[SparkSession, ConfigT], ResultT],
    runtime_factory: Callable[[], JobRuntime],
) -> ResultT:
    """Run one job. Arguments are checked before any Spark starts; ``commit`` runs only if the pipeline returns,
    and then what the patterns registered for a commit (``kit/runtime/run.ActiveRun``); on failure, their aborts."""
    config = parse_job_arguments(argv, job_arguments(config_type))
    runtime = runtime_factory()
    runtime.init(config.job_name, config.as_arguments())
    with running(runtime, config.job_name, config.run_id) as run:
        try:
            result = pipeline(runtime.spark, config)
        except Exception:
            # No commit: bookmarks stay where they were, so the next run re-reads the same input.
            LOG.exception("job %s failed; not committing", config.job_name)
            run.abort()
            raise
        try:
            runtime.commit()
        except Exception:
            run.abort()
            raise
        run.commit()
    return result
