"""The example job: the classicmodels sales tables (CSV) -> a star schema (Parquet).

Outputs, each under ``<output_path>/<table>``: ``fact_orders`` (one row per order line,
partitioned by ``order_date``), ``dim_customers``, ``dim_products`` and ``dim_locations``.
Every source table is read against its contract (bad rows fail the run or are quarantined, as
``jobs/star_schema.json`` declares), and every output is checked against its contract before any is written.
Each run rebuilds every table in full.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from pydantic import Field
from pyspark.sql import DataFrame, SparkSession

from ..domain.star_schema import (
    build_dim_customers,
    build_dim_locations,
    build_dim_products,
    build_fact_orders,
    find_integrity_problems,
)
from ..integration.classicmodels import read_sources, table_path
from ..kit.args import IntakeJobConfig
from ..kit.contracts.compliance import require_rows
from ..kit.declarations import load_job
from ..kit.handler import run_job
from ..kit.results import RunSummary
from ..kit.runtime import create_runtime
from ..kit.steps import check_patterns, write_outputs

JOB = "star_schema"
MAX_REPORTED_PROBLEMS = 20


class StarSchemaJobConfig(IntakeJobConfig):
    raw_path: str = Field(min_length=1, description="folder or s3:// prefix with one folder per classicmodels table")
    output_path: str = Field(min_length=1, description="folder or s3:// prefix; table T lands in <output_path>/T")


class SourceIntegrityError(ValueError):
    """The raw tables break a key or a reference; the job stops rather than drop or multiply order lines."""


def require_integrity(problems: DataFrame) -> None:
    """One Spark action for every check; the message lists the first problems, sorted so reruns agree."""
    found = problems.orderBy("problem", "key").limit(MAX_REPORTED_PROBLEMS + 1).collect()
    if not found:
        return
    lines = []
    for problem, key, rows in found[:MAX_REPORTED_PROBLEMS]:
        lines.append(f"{problem}{': ' + key if key else ''} ({rows} row{'' if rows == 1 else 's'})")
    if len(found) > MAX_REPORTED_PROBLEMS:
        lines.append(f"... and more; only the first {MAX_REPORTED_PROBLEMS} are listed")
    listing = "\n  ".join(lines)
    raise SourceIntegrityError(
        f"The raw tables are inconsistent; fix the source rows. Nothing was written.\n  {listing}"
    )


def run_pipeline(spark: SparkSession, config: StarSchemaJobConfig) -> RunSummary:
    declaration = load_job(JOB)
    check_patterns(declaration, config)
    raw, reports = read_sources(spark, declaration, config.raw_path, config)
    # A full rebuild from an empty table would replace good output with nothing: stop instead.
    require_rows(reports)
    require_integrity(
        find_integrity_problems(
            customers=raw["customers"],
            employees=raw["employees"],
            offices=raw["offices"],
            orders=raw["orders"],
            order_details=raw["orderdetails"],
            products=raw["products"],
            product_lines=raw["productlines"],
        )
    )
    outputs = {
        "fact_orders": build_fact_orders(raw["orderdetails"], raw["orders"], raw["customers"]),
        "dim_customers": build_dim_customers(raw["customers"], raw["employees"], raw["offices"]),
        "dim_products": build_dim_products(raw["products"], raw["productlines"]),
        "dim_locations": build_dim_locations(raw["customers"], raw["offices"]),
    }
    paths = {name: table_path(config.output_path, name) for name in outputs}
    written, notes = write_outputs(declaration, outputs, paths, config)
    return RunSummary(reports, written, notes)


def main(argv: Sequence[str] | None = None, runtime: str = "spark") -> RunSummary:
    """Entry point for Glue (``runtime='glue'``) and for local runs (``python -m``)."""
    return run_job(
        sys.argv if argv is None else argv, StarSchemaJobConfig, run_pipeline, lambda: create_runtime(runtime)
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(main().describe())
