"""The minimal job: read one CSV dataset, clean it, write one partitioned Parquet table.

The input is read against its contract; rows that break it are quarantined (as ``jobs/minimal.json``
declares). The output is checked against its contract before it is written, and each run replaces it.
An empty input is a successful run that writes nothing: the existing output stays as it was.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from pydantic import Field
from pyspark.sql import SparkSession

from ..domain.records import clean_records
from ..integration.records import read_records
from ..kit.args import InputPath, IntakeJobConfig, OutputPath
from ..kit.declarations import load_job
from ..kit.handler import run_job
from ..kit.results import RunSummary
from ..kit.runtime import create_runtime
from ..kit.steps import check_patterns, output_paths, write_outputs

JOB = "minimal"
OUTPUT_DATASET = "clean_records"
LOG = logging.getLogger(__name__)


class MinimalJobConfig(IntakeJobConfig):
    input_path: InputPath = Field(description="folder or s3:// prefix holding the records CSV files")
    output_path: OutputPath = Field(description="folder or s3:// prefix for the cleaned Parquet table")


def run_pipeline(spark: SparkSession, config: MinimalJobConfig) -> RunSummary:
    declaration = load_job(JOB)
    check_patterns(declaration, config)
    paths = output_paths(declaration, OUTPUT_DATASET, config.output_path)
    records, report = read_records(spark, declaration, config.input_path, config, paths)
    if report.rows_out == 0:
        # Nothing to add: writing would at best create an empty table, so leave the output alone.
        LOG.warning(
            "%s: no rows to write (%d read, %d quarantined); %s left as it was",
            report.dataset,
            report.rows_in,
            report.rows_quarantined,
            config.output_path,
        )
        return RunSummary([report], [])
    tables = {OUTPUT_DATASET: records.transform(clean_records)}
    written, notes = write_outputs(declaration, tables, paths, config)
    return RunSummary([report], written, notes)


def main(argv: Sequence[str] | None = None, runtime: str = "spark") -> RunSummary:
    """Entry point for Glue (``runtime='glue'``) and for local runs (``python -m``)."""
    return run_job(sys.argv if argv is None else argv, MinimalJobConfig, run_pipeline, lambda: create_runtime(runtime))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(main().describe())
