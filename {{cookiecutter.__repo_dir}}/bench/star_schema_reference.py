"""The star schema job as one would write it by hand: the same domain functions, none of the kit's checks.

It reads each CSV table with its contract's schema, stops if ``find_integrity_problems`` finds any
(the domain's own rule), builds the four tables with ``domain/star_schema.py`` and writes them as
Parquet: one file per dimension, one per ``order_date`` partition of the fact. No contract checks, no
quarantine, no staging, no read-back: what the kit adds is what the benchmark measures. ``make bench-job``
times the job against it; it is not for production.

Usage: python bench/star_schema_reference.py --raw_path DIR --output_path DIR
"""

from __future__ import annotations

import argparse

from pyspark.sql import DataFrame, SparkSession

from {{ cookiecutter.job_name }}.domain.star_schema import (
    build_dim_customers,
    build_dim_locations,
    build_dim_products,
    build_fact_orders,
    find_integrity_problems,
)
from {{ cookiecutter.job_name }}.kit.declarations import load_contract

TABLES = ["customers", "employees", "offices", "orders", "orderdetails", "products", "productlines"]


def read(spark: SparkSession, raw_path: str, table: str) -> DataFrame:
    return spark.read.schema(load_contract(table).schema).option("header", True).csv(f"{raw_path}/{table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw_path", required=True)
    parser.add_argument("--output_path", required=True)
    args = parser.parse_args()
    spark = SparkSession.builder.appName("star_schema_reference").getOrCreate()
    raw = {table: read(spark, args.raw_path, table) for table in TABLES}
    problems = find_integrity_problems(
        customers=raw["customers"],
        employees=raw["employees"],
        offices=raw["offices"],
        orders=raw["orders"],
        order_details=raw["orderdetails"],
        products=raw["products"],
        product_lines=raw["productlines"],
    ).limit(20)
    found = problems.collect()
    if found:
        raise SystemExit(f"The raw tables are inconsistent: {found}")
    outputs = {
        "fact_orders": build_fact_orders(raw["orderdetails"], raw["orders"], raw["customers"]),
        "dim_customers": build_dim_customers(raw["customers"], raw["employees"], raw["offices"]),
        "dim_products": build_dim_products(raw["products"], raw["productlines"]),
        "dim_locations": build_dim_locations(raw["customers"], raw["offices"]),
    }
    for name, table in outputs.items():
        path = f"{args.output_path}/{name}"
        if name == "fact_orders":
            table.repartition("order_date").write.partitionBy("order_date").mode("overwrite").parquet(path)
        else:
            table.coalesce(1).write.mode("overwrite").parquet(path)
    spark.stop()


if __name__ == "__main__":
    main()
