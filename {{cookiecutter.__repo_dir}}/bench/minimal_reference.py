"""The minimal job as one would write it by hand: the same domain function, none of the kit's checks.

It reads the records CSV with its contract's schema, cleans them with ``domain/records.py`` and writes
the table as Parquet, one file per ``record_date`` partition. No contract checks, no quarantine, no
staging, no read-back. ``make bench-job`` times the job against it; it is not for production.

Usage: python bench/minimal_reference.py --input_path DIR --output_path DIR
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.domain.records import clean_records
from {{ cookiecutter.job_name }}.kit.declarations import load_contract


def main() -> None:
    parser = argparse.ArgumentParser(description="The minimal job, hand-written.")
    parser.add_argument("--input_path", required=True)
    parser.add_argument("--output_path", required=True)
    args = parser.parse_args()
    spark = SparkSession.builder.appName("minimal_reference").getOrCreate()
    records = spark.read.schema(load_contract("records").schema).option("header", True).csv(args.input_path)
    cleaned = records.transform(clean_records)
    cleaned.repartition("record_date").write.partitionBy("record_date").mode("overwrite").parquet(
        f"{args.output_path}/clean_records"
    )
    spark.stop()


if __name__ == "__main__":
    main()
