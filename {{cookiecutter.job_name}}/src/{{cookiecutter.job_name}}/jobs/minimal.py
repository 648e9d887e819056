"""The minimal job: read one CSV dataset, clean it, write one partitioned Parquet table."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from pydantic import Field
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..config import JobConfig
from ..domain.records import clean_records
from ..handler import run_job
from ..integration.records import RECORDS_SCHEMA
from ..integration.spark_io import WrittenTable, count_written, describe_written, read_csv, write_parquet
from ..runtime import create_runtime


class MinimalJobConfig(JobConfig):
    input_path: str = Field(min_length=1, description="folder or s3:// prefix holding the records CSV files")
    output_path: str = Field(min_length=1, description="folder or s3:// prefix for the cleaned Parquet table")


class NullKeyError(ValueError):
    """Rows without a key cannot be deduplicated; the job stops rather than drop them."""


def require_keys(records: DataFrame, key: str) -> DataFrame:
    missing = records.where(F.col(key).isNull()).count()
    if missing:
        raise NullKeyError(f"{missing} input rows have no {key}. Fix the source rows; nothing was written.")
    return records


def run_pipeline(spark: SparkSession, config: MinimalJobConfig) -> list[WrittenTable]:
    records = require_keys(read_csv(spark, config.input_path, RECORDS_SCHEMA), "record_id")
    write_parquet(records.transform(clean_records), config.output_path, partition_by=["record_date"])
    return [count_written(spark, "records", config.output_path)]


def main(argv: Sequence[str] | None = None, runtime: str = "spark") -> list[WrittenTable]:
    """Entry point for Glue (``runtime='glue'``) and for local runs (``python -m``)."""
    return run_job(sys.argv if argv is None else argv, MinimalJobConfig, run_pipeline, lambda: create_runtime(runtime))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(describe_written(main()))
