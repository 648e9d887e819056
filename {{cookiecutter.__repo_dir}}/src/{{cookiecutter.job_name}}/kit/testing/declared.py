"""A stand-in for the job's declarations, so a test of the kit states its own datasets instead of the job's.

``declared_package(root)`` points the kit's declaration loader (``kit/declarations.py``) at ``root`` for
the duration of a ``with`` block; ``DeclaredPackage`` writes contract files and job declarations there.
The ``declared`` fixture (``fixtures.py``) gives each test an empty one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql.types import StructType

from .. import declarations
from ..contracts.formats import to_spark_json


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


@contextmanager
def declared_package(root: Path) -> Iterator[DeclaredPackage]:
    """While the block runs, the kit reads contracts from ``root/schemas`` and declarations from ``root/jobs``."""
    for folder in (declarations.SCHEMAS, declarations.JOBS):
        (root / folder).mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(declarations, "package_files", lambda: root)
        yield DeclaredPackage(root)
