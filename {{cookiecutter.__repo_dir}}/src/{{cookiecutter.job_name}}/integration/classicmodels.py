"""The classicmodels sales database as CSV exports: one folder per table under the raw path.

Which tables are read, in which format and what happens to their bad rows is declared in
``jobs/star_schema.json``; each table's schema is its contract (``schemas/<table>.*``). Column names
are the source's own (camelCase); the domain renames them to snake_case.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import DataFrame, SparkSession

from ..kit.args import IntakeJobConfig
from ..kit.declarations import JobDeclaration
from ..kit.results import IntakeReport
from ..kit.steps import read_inputs


def table_path(raw_path: str, table: str) -> str:
    """``<raw_path>/<table>``: works for local folders and ``s3://`` prefixes alike."""
    return f"{raw_path.rstrip('/')}/{table}"


def read_sources(
    spark: SparkSession,
    declaration: JobDeclaration,
    raw_path: str,
    config: IntakeJobConfig,
    outputs: Mapping[str, str],
) -> tuple[dict[str, DataFrame], list[IntakeReport]]:
    """Every declared source table, read from ``<raw_path>/<table>`` and checked against its contract.

    ``outputs`` are the paths the job writes to, for a cookbook pattern that reads its own earlier output.
    """
    paths = {name: table_path(raw_path, name) for name in declaration.inputs}
    return read_inputs(spark, declaration, paths, config, outputs)
