"""The example job: the classicmodels sales tables (CSV) -> a star schema (Parquet).

Outputs, each under ``<output_path>/<table>``: ``fact_orders`` (one row per order line,
partitioned by ``order_date``), ``dim_customers``, ``dim_products`` and ``dim_locations``.
Every source table is read against its contract (bad rows fail the run or are quarantined, as
``jobs/star_schema.json`` declares), and every output is checked against its contract before any is written.
Each run rebuilds every table in full, unless an installed cookbook pattern narrows it (``kit/patterns``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from pydantic import Field
from pyspark.sql import DataFrame, SparkSession

from ..domain.star_schema import (
    REFERENCES,
    build_dim_customers,
    build_dim_locations,
    build_dim_products,
    build_fact_orders,
    find_integrity_problems,
)
from ..integration.classicmodels import read_sources, table_path
from ..kit.args import InputPath, IntakeJobConfig, OutputPath
from ..kit.contracts.compliance import require_rows
from ..kit.declarations import load_job
from ..kit.handler import run_job
from ..kit.io.quarantine import quarantined_reasons
from ..kit.labels import spark_jobs
from ..kit.results import IntakeReport, RunSummary
from ..kit.runtime import create_runtime
from ..kit.steps import check_patterns, write_outputs

JOB = "star_schema"
MAX_REPORTED_PROBLEMS = 20


class StarSchemaJobConfig(IntakeJobConfig):
    raw_path: InputPath = Field(description="folder or s3:// prefix with one folder per classicmodels table")
    output_path: OutputPath = Field(description="folder or s3:// prefix; table T lands in <output_path>/T")


class SourceIntegrityError(ValueError):
    """The raw tables break a key or a reference; the job stops rather than drop or multiply order lines."""


def _reference(problem: str) -> tuple[str, str, str] | None:
    """``'orderdetails.orderNumber not in orders'`` -> ``('orderdetails', 'orders', 'orderNumber')``: the table
    that refers, and the table and key column it refers to; None for a problem that is no missing reference."""
    referenced_by, not_in, _ = problem.partition(" not in ")
    if not not_in:
        return None
    source, column = referenced_by.split(".", 1)
    table, key_column = REFERENCES[source][column]
    return source, table, key_column


def require_integrity(spark: SparkSession, problems: DataFrame, reports: Sequence[IntakeReport]) -> None:
    """One Spark action for every check; the message lists the first problems, sorted so reruns agree.

    A reference to a row that was quarantined at intake says so, with the quarantine's reason: the
    cause is the bad row, not the rows that refer to it.
    """
    with spark_jobs(spark, "integrity check"):
        found = problems.orderBy("problem", "key").limit(MAX_REPORTED_PROBLEMS + 1).collect()
    if not found:
        return
    by_dataset = {report.dataset: report for report in reports}
    wanted: dict[tuple[str, str], set[str]] = {}
    for problem, key, _ in found:
        reference = _reference(problem)
        if reference and key:
            wanted.setdefault(reference[1:], set()).add(key)
    causes = {
        (table, key): reason
        for (table, column), keys in wanted.items()
        for key, reason in quarantined_reasons(spark, by_dataset[table], column, keys).items()
    }
    lines = []
    for problem, key, rows in found[:MAX_REPORTED_PROBLEMS]:
        count = f"{rows} row{'' if rows == 1 else 's'}"
        reference = _reference(problem)
        cause = causes.get((reference[1], key)) if reference else None
        if reference and cause:
            source, table, column = reference
            lines.append(
                f"{table}.{column} {key} was quarantined ({cause}); its {count} in {source} have no {table} row to "
                f"join (see {by_dataset[table].quarantine_path})"
            )
        else:
            lines.append(f"{problem}{': ' + key if key else ''} ({count})")
    if len(found) > MAX_REPORTED_PROBLEMS:
        lines.append(f"... and more; only the first {MAX_REPORTED_PROBLEMS} are listed")
    listing = "\n  ".join(lines)
    raise SourceIntegrityError(
        f"The raw tables are inconsistent; fix the source rows. Nothing was written.\n  {listing}"
    )


def run_pipeline(spark: SparkSession, config: StarSchemaJobConfig) -> RunSummary:
    declaration = load_job(JOB)
    check_patterns(declaration, config)
    paths = {name: table_path(config.output_path, name) for name in declaration.outputs}
    raw, reports = read_sources(spark, declaration, config.raw_path, config, paths)
    # A full rebuild from an empty table would replace good output with nothing: stop instead.
    require_rows(reports)
    require_integrity(
        spark,
        find_integrity_problems(
            customers=raw["customers"],
            employees=raw["employees"],
            offices=raw["offices"],
            orders=raw["orders"],
            order_details=raw["orderdetails"],
            products=raw["products"],
            product_lines=raw["productlines"],
        ),
        reports,
    )
    outputs = {
        "fact_orders": build_fact_orders(raw["orderdetails"], raw["orders"], raw["customers"]),
        "dim_customers": build_dim_customers(raw["customers"], raw["employees"], raw["offices"]),
        "dim_products": build_dim_products(raw["products"], raw["productlines"]),
        "dim_locations": build_dim_locations(raw["customers"], raw["offices"]),
    }
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
