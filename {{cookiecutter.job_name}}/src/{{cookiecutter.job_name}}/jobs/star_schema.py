"""The example job: the classicmodels sales tables (CSV) -> a star schema (Parquet).

Outputs, each under ``<output_path>/<table>``: ``fact_orders`` (one row per order line,
partitioned by ``order_date``), ``dim_customers``, ``dim_products`` and ``dim_locations``.
Every source table is read against its contract (bad rows fail the run or are quarantined, per
``integration/classicmodels.py``), and every output is checked against its contract before any is written.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from pydantic import Field
from pyspark.sql import DataFrame, SparkSession

from ..config import IntakeJobConfig
from ..contracts import load_contract
from ..contracts.compliance import IntakeReport, check_output, enforce, require_rows
from ..domain.star_schema import (
    build_dim_customers,
    build_dim_locations,
    build_dim_products,
    build_fact_orders,
    find_integrity_problems,
)
from ..handler import run_job
from ..integration.classicmodels import SOURCE_POLICIES, SOURCE_TABLES, table_path
from ..integration.spark_io import RunSummary, count_written, read_csv, write_parquet
from ..runtime import create_runtime

MAX_REPORTED_PROBLEMS = 20


class StarSchemaJobConfig(IntakeJobConfig):
    raw_path: str = Field(min_length=1, description="folder or s3:// prefix with one folder per classicmodels table")
    output_path: str = Field(min_length=1, description="folder or s3:// prefix; table T lands in <output_path>/T")


class SourceIntegrityError(ValueError):
    """The raw tables break a key or a reference; the job stops rather than drop or multiply order lines."""


def read_sources(spark: SparkSession, config: StarSchemaJobConfig) -> tuple[dict[str, DataFrame], list[IntakeReport]]:
    """Each source table read against its contract, bad rows handled by the table's policy."""
    tables: dict[str, DataFrame] = {}
    reports = []
    for name in SOURCE_TABLES:
        contract = load_contract(name)
        raw = read_csv(spark, table_path(config.raw_path, name), contract)
        tables[name], report = enforce(
            raw,
            contract,
            policy=SOURCE_POLICIES[name],
            quarantine_path=config.quarantine_path,
            run_id=config.run_id,
        )
        reports.append(report)
    return tables, reports


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
    raw, reports = read_sources(spark, config)
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
        # One shuffle by date, so each order_date folder gets one file instead of one per task.
        "fact_orders": build_fact_orders(raw["orderdetails"], raw["orders"], raw["customers"]).repartition(
            "order_date"
        ),
        "dim_customers": build_dim_customers(raw["customers"], raw["employees"], raw["offices"]),
        "dim_products": build_dim_products(raw["products"], raw["productlines"]),
        "dim_locations": build_dim_locations(raw["customers"], raw["offices"]),
    }
    # Every output is checked before the first is written, so a bad one leaves all output as it was.
    contracts = [load_contract(name) for name in outputs]
    checked = [check_output(outputs[contract.name], contract) for contract in contracts]
    written = []
    for contract, table in zip(contracts, checked, strict=True):
        path = table_path(config.output_path, contract.name)
        write_parquet(table, path, partition_by=contract.partition_keys)
        table.unpersist()
        written.append(count_written(spark, contract.name, path))
    return RunSummary(reports, written)


def main(argv: Sequence[str] | None = None, runtime: str = "spark") -> RunSummary:
    """Entry point for Glue (``runtime='glue'``) and for local runs (``python -m``)."""
    return run_job(
        sys.argv if argv is None else argv, StarSchemaJobConfig, run_pipeline, lambda: create_runtime(runtime)
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(main().describe())
