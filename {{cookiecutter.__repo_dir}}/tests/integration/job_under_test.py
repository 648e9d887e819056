"""A job described for tests that hold for any job (the cookbook patterns' job tests): how to run it on its
sample data, where each output lands, and what the sample should give.

Each job's description is its own module (``<job>_under_test.py``), worked out from the sample CSV files
with the csv module or by hand, never by the code under test.
"""

from __future__ import annotations

import csv
import math
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.args import IntakeJobConfig, parse_job_arguments
from {{ cookiecutter.job_name }}.kit.declarations import load_contract, load_job
from {{ cookiecutter.job_name }}.kit.handler import run_job
from {{ cookiecutter.job_name }}.kit.results import RunSummary
from {{ cookiecutter.job_name }}.kit.runtime import SparkRuntime

REPO = Path(__file__).resolve().parents[2]
RUN_ID = "jr_pattern_test"
# More tasks than the tests' one shuffle partition, as on a real cluster: a write that keeps its tasks
# would then write several files, so only the layout makes a table one file (or one per partition folder).
SHUFFLE_PARTITIONS = "4"


@dataclass(frozen=True)
class JobRun:
    """What one run returned, and its ``--output_path``."""

    summary: RunSummary
    output: Path


@dataclass(frozen=True)
class JobUnderTest:
    """One job, its sample data and what that sample gives."""

    name: str
    config_type: type[IntakeJobConfig]
    pipeline: Callable[[SparkSession, Any], RunSummary]
    sample: Path
    input_argument: str
    # Output -> its folder under --output_path ("" when the output is the output path itself).
    folders: Mapping[str, str]
    # Partitioned output -> (partition column, rows in each partition value of the sample's output).
    partitions: Mapping[str, tuple[str, Mapping[str, int]]]
    # Output -> rows the sample gives it (only the outputs the tests look at).
    rows: Mapping[str, int]
    # The output the declaration exports as one file (single_file_output), and the file's name.
    export: tuple[str, str]

    @property
    def unpartitioned(self) -> list[str]:
        """The outputs without partition keys in their contracts."""
        return [output for output in self.folders if not load_contract(output).partition_keys]

    @property
    def beside(self) -> list[str]:
        """The declared outputs that land beside ``--output_path`` rather than under it: a pattern's, for a job
        whose output path is its one table (``kit/steps.output_paths``)."""
        return [name for name in load_job(self.name).outputs if name not in self.folders]

    @property
    def outputs(self) -> list[str]:
        """Every declared output: those under ``--output_path``, then those beside it."""
        return [*self.folders, *self.beside]

    @property
    def samples_beside(self) -> dict[str, Path]:
        """The sample folder of each declared input that sits beside the job's sample rather than in it (a change
        feed beside the table it changes), by input name."""
        folders = {name: self.sample.parent / name for name in load_job(self.name).inputs if name != self.sample.name}
        return {name: folder for name, folder in folders.items() if folder.is_dir()}

    def copy_sample(self, root: Path) -> Path:
        """The sample data under ``root``, with ``samples_beside`` beside it; the raw path to give the job."""
        raw = root / "raw" / self.sample.name
        shutil.copytree(self.sample, raw)
        for name, folder in self.samples_beside.items():
            shutil.copytree(folder, raw.parent / name)
        return raw

    def table(self, output: Path, name: str) -> Path:
        if name not in self.folders:
            return output.parent / name
        return output / self.folders[name] if self.folders[name] else output

    def argv(self, raw: Path, output: Path, quarantine: Path, *extra: str) -> list[str]:
        return [
            "script",
            *("--JOB_NAME", self.name, "--JOB_RUN_ID", RUN_ID),
            *(f"--{self.input_argument}", str(raw), "--output_path", str(output), "--quarantine_path", str(quarantine)),
            *extra,
        ]

    def run(self, spark: SparkSession, raw: Path, output: Path, quarantine: Path, *extra: str) -> RunSummary:
        """One run through the job's entry point, with the given extra arguments, on more than one task. A run on
        Glue has a session of its own, so nothing the readers cached for another run is reused (a rewritten
        file's plan equals its old one: a cached read would hand back the old rows)."""
        spark.catalog.clearCache()
        with shuffle_partitions(spark, SHUFFLE_PARTITIONS):
            return run_job(
                self.argv(raw, output, quarantine, *extra),
                self.config_type,
                self.pipeline,
                lambda: SparkRuntime(spark),
            )

    def run_sample(self, spark: SparkSession, root: Path, *extra: str) -> JobRun:
        """``run`` on the sample data as it is in the repo, into ``root``'s output and quarantine folders."""
        output = root / "output"
        return JobRun(self.run(spark, self.sample, output, root / "quarantine", *extra), output)

    def run_pipeline(self, spark: SparkSession, raw: Path, output: Path, quarantine: Path) -> RunSummary:
        """The pipeline alone, its config parsed without the pattern arguments (which default)."""
        config = parse_job_arguments(self.argv(raw, output, quarantine), self.config_type)
        with shuffle_partitions(spark, SHUFFLE_PARTITIONS):
            return self.pipeline(spark, config)


@contextmanager
def shuffle_partitions(spark: SparkSession, partitions: str) -> Iterator[None]:
    previous = str(spark.conf.get("spark.sql.shuffle.partitions"))  # always set: Spark has a default
    spark.conf.set("spark.sql.shuffle.partitions", partitions)
    try:
        yield
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)


def files_by_folder(table: Path) -> dict[str, int]:
    """Data files of a table per folder ("." for the table's own), read from disk.

    Spark's ``_SUCCESS``, its ``.crc`` checksums and anything under a hidden or ``_`` folder are not data.
    """
    counts: Counter[str] = Counter()
    for path in table.rglob("*"):
        parts = path.relative_to(table).parts
        if path.is_file() and not any(part.startswith(("_", ".")) for part in parts):
            counts[path.parent.relative_to(table).as_posix()] += 1
    return dict(counts)


def ceil_div(rows: int, per_file: int) -> int:
    return math.ceil(rows / per_file)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
