"""A stand-in for the job's declarations, so a test of the kit states its own datasets instead of the job's.

``declared_package(root)`` points the kit's declaration loader (``kit/declarations.py``) at ``root`` for
the duration of a ``with`` block; ``DeclaredPackage`` writes contract files and job declarations there.
The ``declared`` fixture (``fixtures.py``) gives each test an empty one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql.types import IntegerType, StructField, StructType

from .. import declarations
from ..args import JobConfig, parse_job_arguments
from ..contracts.formats import to_spark_json
from ..handler import job_arguments

# The input of ``DeclaredPackage.writing_job``: a declaration names one, and such a job never reads it.
UNREAD_INPUT = "unread_input"


@dataclass(frozen=True)
class DeclaredPackage:
    """The folder the kit reads declarations from while the stand-in is in place."""

    root: Path

    def contract(self, name: str, schema: StructType) -> None:
        """``schemas/<name>.spark.json`` holding ``schema``."""
        (self.root / declarations.SCHEMAS / f"{name}.spark.json").write_text(json.dumps(to_spark_json(schema)))

    def job(self, name: str, declaration: dict[str, Any]) -> None:
        """``jobs/<name>.json`` holding ``declaration``."""
        (self.root / declarations.JOBS / f"{name}.json").write_text(json.dumps(declaration))

    def writing_job(self, name: str, outputs: Mapping[str, StructType], **settings: Any) -> None:
        """A job a test drives through ``write_outputs``: its outputs' contracts, and a declaration with
        ``settings`` (a pattern's, under its name) and the one input a declaration needs, never read."""
        for output, schema in outputs.items():
            self.contract(output, schema)
        self.contract(UNREAD_INPUT, StructType([StructField("id", IntegerType(), True)]))
        inputs = {UNREAD_INPUT: {"format": "csv", "policy": "fail", "why": "not read here"}}
        self.job(name, {"inputs": inputs, **settings, "outputs": {output: {"format": "parquet"} for output in outputs}})


def job_config(job_name: str, *arguments: str, run_id: str = "run-1") -> JobConfig:
    """The config a run of ``job_name`` parses from ``arguments``, the installed patterns' arguments included."""
    model: type[JobConfig] = job_arguments(JobConfig)
    return parse_job_arguments(["script", "--JOB_NAME", job_name, "--JOB_RUN_ID", run_id, *arguments], model)


@contextmanager
def declared_package(root: Path) -> Iterator[DeclaredPackage]:
    """While the block runs, the kit reads contracts from ``root/schemas`` and declarations from ``root/jobs``."""
    for folder in (declarations.SCHEMAS, declarations.JOBS):
        (root / folder).mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(declarations, "package_files", lambda: root)
        yield DeclaredPackage(root)
