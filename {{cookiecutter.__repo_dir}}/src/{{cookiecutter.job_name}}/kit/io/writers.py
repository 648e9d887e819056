"""Writing the job's tables: each output is rebuilt in full, in files sized from its data, and published whole.

- **A full rebuild replaces the whole table.** The job rebuilds every output from all of its input. Each
  table is written in full to a new staging location of the run (``write_table``), counted there, and
  only once every output is, published in place of the old table (``kit/io/publish.py``): a partition
  whose rows have all gone from the source goes too, a rerun of the same input gives the same table,
  file for file, and a run that fails or is killed before publishing leaves every table as it was.
  Replacing only some partitions is the reprocessing pattern's job, not the default.
- **Files are sized from the data.** Spark writes one file per task, so a few hundred rows spread over
  200 shuffle partitions become 200 tiny files. ``default_layout`` aims at ``DEFAULT_ROWS_PER_FILE`` rows
  per file: a small table gets one file, a partitioned one gets one file per partition directory (more
  only where a partition holds more rows than that). The ``output_file_count`` pattern sets it per output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession

from ..results import WrittenTable
from .hadoop_fs import data_files

# About 50-250 MB of Parquet for typical warehouse rows: large enough for fast scans, small enough to write in one task.
DEFAULT_ROWS_PER_FILE = 1_000_000


@dataclass(frozen=True)
class FileLayout:
    """How one write is split into files.

    - ``files``: the number of files of an unpartitioned table (a partitioned table gets one per directory);
    - ``max_records_per_file``: no file holds more rows (Spark's ``maxRecordsPerFile``).
    """

    files: int | None = None
    max_records_per_file: int | None = None

    def shape(self, df: DataFrame, partition_by: Sequence[str]) -> DataFrame:
        """``df`` partitioned so that the write produces the promised files."""
        if partition_by:
            # All rows of one partition value in one task: one file per directory (split by max_records_per_file).
            return df.repartition(*partition_by)
        if self.files is None:
            return df
        if self.files <= df.rdd.getNumPartitions():
            return df.coalesce(self.files)  # merges partitions without a shuffle
        return df.repartition(self.files)

    def options(self) -> dict[str, str]:
        if self.max_records_per_file is None:
            return {}
        return {"maxRecordsPerFile": str(self.max_records_per_file)}


def default_layout(rows: int, partition_by: Sequence[str], rows_per_file: int = DEFAULT_ROWS_PER_FILE) -> FileLayout:
    """Files of about ``rows_per_file`` rows: ``rows`` is the table's row count, known from its output check."""
    if partition_by:
        return FileLayout(max_records_per_file=rows_per_file)
    return FileLayout(files=max(1, math.ceil(rows / rows_per_file)), max_records_per_file=rows_per_file)


def write_table(df: DataFrame, path: str, *, partition_by: Sequence[str], layout: FileLayout) -> None:
    """Write all of ``df`` as a new table at ``path``, which must not exist, split into files by ``layout``.

    ``path`` is the run's staging location of the table (``Publication.staging``): readers see the rows
    once the run publishes every output.
    """
    writer = layout.shape(df, partition_by).write.mode("errorifexists").options(**layout.options())
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.parquet(path)


def count_written(spark: SparkSession, name: str, path: str, *, staged: str | None = None) -> WrittenTable:
    """Count what landed by reading it back (Parquet footers), so the figures are the truth on storage.

    ``staged`` is where the run wrote the table, if not at ``path``: it is counted there, before it is
    published, and the result names ``path``, where readers find the table.
    """
    location = path if staged is None else staged
    rows, files = spark.read.parquet(location).count(), len(data_files(spark, location))
    return WrittenTable(name=name, path=path, rows=rows, files=files)
