"""The minimal job's source: one folder of CSV record files."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import DataFrame, SparkSession

from ..kit.args import IntakeJobConfig
from ..kit.declarations import JobDeclaration
from ..kit.results import IntakeReport
from ..kit.steps import read_input

INPUT_DATASET = "records"


def read_records(
    spark: SparkSession,
    declaration: JobDeclaration,
    input_path: str,
    config: IntakeJobConfig,
    outputs: Mapping[str, str],
) -> tuple[DataFrame, IntakeReport]:
    """The records under ``input_path``, checked against their contract; bad rows go by the declared policy.

    ``outputs`` are the paths the job writes to, for a cookbook pattern that reads its own earlier output.
    """
    return read_input(spark, declaration, INPUT_DATASET, input_path, config, outputs)
