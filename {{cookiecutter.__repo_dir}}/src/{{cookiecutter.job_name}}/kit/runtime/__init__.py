"""The runtime seam: the handler talks to one interface, Glue or plain Spark behind it."""

from .base import JobRuntime
from .glue import GlueRuntime, GlueUnavailableError
from .spark import SparkRuntime

__all__ = ["GlueRuntime", "GlueUnavailableError", "JobRuntime", "SparkRuntime", "create_runtime"]


def create_runtime(kind: str) -> JobRuntime:
    """Build the runtime named by the entry point: ``glue`` on AWS Glue, ``spark`` anywhere else."""
    if kind == "glue":
        return GlueRuntime()
    if kind == "spark":
        return SparkRuntime()
    raise ValueError(f"Unknown runtime '{kind}'. Use 'glue' (on AWS Glue) or 'spark' (local, EMR, EKS).")
