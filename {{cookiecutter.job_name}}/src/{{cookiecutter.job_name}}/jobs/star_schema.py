"""The example job: the classicmodels sales tables (CSV) -> a star schema (Parquet).

Outputs, each under ``<output_path>/<table>``: ``fact_orders`` (one row per order line,
partitioned by ``order_date``), ``dim_customers``, ``dim_products`` and ``dim_locations``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from pydantic import Field
from pyspark.sql import DataFrame, SparkSession

from ..config import JobConfig
from ..domain.star_schema import (
    build_dim_customers,
    build_dim_locations,
    build_dim_products,
    build_fact_orders,
    find_integrity_problems,
)
from ..handler import run_job
from ..integration.classicmodels import CLASSICMODELS_SCHEMAS, table_path
from ..integration.spark_io import WrittenTable, count_written, describe_written, read_csv, write_parquet
from ..runtime import create_runtime

# payments is not read: it is a grain of its own (a cheque per customer, not tied to an order),
# so it belongs to a future fact_payments, not to these four tables.
SOURCE_TABLES = ("customers", "employees", "offices", "orders", "orderdetails", "products", "productlines")
MAX_REPORTED_PROBLEMS = 20


class StarSchemaJobConfig(JobConfig):
    raw_path: str = Field(min_length=1, description="folder or s3:// prefix with one folder per classicmodels table")
    output_path: str = Field(min_length=1, description="folder or s3:// prefix; table T lands in <output_path>/T")


class SourceIntegrityError(ValueError):
    """The raw tables break a key or a reference; the job stops rather than drop or multiply order lines."""


def read_sources(spark: SparkSession, raw_path: str) -> dict[str, DataFrame]:
    return {name: read_csv(spark, table_path(raw_path, name), CLASSICMODELS_SCHEMAS[name]) for name in SOURCE_TABLES}


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


def run_pipeline(spark: SparkSession, config: StarSchemaJobConfig) -> list[WrittenTable]:
    raw = read_sources(spark, config.raw_path)
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
    outputs: list[tuple[str, DataFrame, list[str]]] = [
        # One shuffle by date, so each order_date folder gets one file instead of one per task.
        (
            "fact_orders",
            build_fact_orders(raw["orderdetails"], raw["orders"], raw["customers"]).repartition("order_date"),
            ["order_date"],
        ),
        ("dim_customers", build_dim_customers(raw["customers"], raw["employees"], raw["offices"]), []),
        ("dim_products", build_dim_products(raw["products"], raw["productlines"]), []),
        ("dim_locations", build_dim_locations(raw["customers"], raw["offices"]), []),
    ]
    written = []
    for name, table, partition_by in outputs:
        path = table_path(config.output_path, name)
        write_parquet(table, path, partition_by=partition_by)
        written.append(count_written(spark, name, path))
    return written


def main(argv: Sequence[str] | None = None, runtime: str = "spark") -> list[WrittenTable]:
    """Entry point for Glue (``runtime='glue'``) and for local runs (``python -m``)."""
    return run_job(
        sys.argv if argv is None else argv, StarSchemaJobConfig, run_pipeline, lambda: create_runtime(runtime)
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(describe_written(main()))
