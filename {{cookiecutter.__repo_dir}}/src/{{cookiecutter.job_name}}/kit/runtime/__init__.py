"""The runtime seam: the handler talks to one interface, Glue or plain Spark behind it."""

import logging
import os

from .base import JobRuntime
from .glue import GlueRuntime, GlueUnavailableError
from .spark import SparkRuntime

__all__ = ["RUNTIME_OVERRIDE", "GlueRuntime", "GlueUnavailableError", "JobRuntime", "SparkRuntime", "create_runtime"]

LOG = logging.getLogger(__name__)
# Set to ``spark`` to run the Glue script itself on any Spark (spark-submit, the local cluster E2E): the same
# file Glue runs, without GlueContext. Glue never sets it.
RUNTIME_OVERRIDE = "JOB_RUNTIME"
RUNTIMES = ("glue", "spark")


def create_runtime(kind: str) -> JobRuntime:
    """Build the runtime named by the entry point (``glue`` on AWS Glue, ``spark`` anywhere else), or the one
    ``$JOB_RUNTIME`` names."""
    chosen = os.environ.get(RUNTIME_OVERRIDE) or kind
    if chosen not in RUNTIMES:
        where = f"${RUNTIME_OVERRIDE}" if os.environ.get(RUNTIME_OVERRIDE) else "the entry point"
        raise ValueError(
            f"Unknown runtime '{chosen}' from {where}. Use 'glue' (on AWS Glue) or 'spark' (local, EMR, EKS)."
        )
    if chosen != kind:
        LOG.warning("runtime '%s' instead of '%s': %s=%s", chosen, kind, RUNTIME_OVERRIDE, chosen)
    return GlueRuntime() if chosen == "glue" else SparkRuntime()
