"""The minimal job: read one CSV dataset, clean it, write one partitioned Parquet table.

The input is read against its contract; rows that break it are quarantined (see
``integration/records.py``). The output is checked against its contract before it is written.
An empty input is a successful run that writes nothing: the existing output stays as it was.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from pydantic import Field
from pyspark.sql import SparkSession

from ..config import IntakeJobConfig
from ..contracts import load_contract
from ..contracts.compliance import check_output, enforce
from ..domain.records import clean_records
from ..handler import run_job
from ..integration.records import INPUT_DATASET, INPUT_POLICY, OUTPUT_DATASET
from ..integration.spark_io import RunSummary, count_written, read_csv, write_parquet
from ..runtime import create_runtime

LOG = logging.getLogger(__name__)


class MinimalJobConfig(IntakeJobConfig):
    input_path: str = Field(min_length=1, description="folder or s3:// prefix holding the records CSV files")
    output_path: str = Field(min_length=1, description="folder or s3:// prefix for the cleaned Parquet table")


def run_pipeline(spark: SparkSession, config: MinimalJobConfig) -> RunSummary:
    contract = load_contract(INPUT_DATASET)
    records, report = enforce(
        read_csv(spark, config.input_path, contract),
        contract,
        policy=INPUT_POLICY,
        quarantine_path=config.quarantine_path,
        run_id=config.run_id,
    )
    if report.rows_out == 0:
        # Nothing to add: writing would at best create an empty table, so leave the output alone.
        LOG.warning(
            "%s: no rows to write (%d read, %d quarantined); %s left as it was",
            INPUT_DATASET,
            report.rows_in,
            report.rows_quarantined,
            config.output_path,
        )
        return RunSummary([report], [])
    output = load_contract(OUTPUT_DATASET)
    cleaned = check_output(records.transform(clean_records), output)
    write_parquet(cleaned, config.output_path, partition_by=output.partition_keys)
    cleaned.unpersist()
    return RunSummary([report], [count_written(spark, OUTPUT_DATASET, config.output_path)])


def main(argv: Sequence[str] | None = None, runtime: str = "spark") -> RunSummary:
    """Entry point for Glue (``runtime='glue'``) and for local runs (``python -m``)."""
    return run_job(sys.argv if argv is None else argv, MinimalJobConfig, run_pipeline, lambda: create_runtime(runtime))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(main().describe())
