"""Writing the job's tables: each output is rebuilt in full, in files sized from its data, and published whole.

- **A full rebuild replaces the whole table.** The job rebuilds every output from all of its input. Each
  table is written in full to a new staging location of the run (``write_table``), counted there, and
  only once every output is, published in place of the old table (``kit/io/publish.py``): a partition
  whose rows have all gone from the source goes too, a rerun of the same input gives the same table,
  file for file, and a run that fails or is killed before publishing leaves every table as it was.
  Replacing only some partitions is the reprocessing pattern's job, not the default.
- **Files are sized from the data, with no pass of their own.** Spark writes one file per task, so a
  few hundred rows spread over 200 shuffle partitions become 200 tiny files. An unpartitioned table is
  rebalanced just before the write (Spark's ``REBALANCE``): adaptive execution, on by default from
  Spark 3.2 and on Glue, then cuts it into tasks of about ``spark.sql.adaptive.advisoryPartitionSizeInBytes``
  (64 MB of shuffle data), so a small table gets one file and a large one files of a useful size. A
  partitioned table gets one task per partition value, so one file per partition directory. No file
  holds more than ``DEFAULT_ROWS_PER_FILE`` rows. With adaptive execution off, Spark ignores a
  rebalance, so the table is counted first (a pass of its own) and gets one file per
  ``DEFAULT_ROWS_PER_FILE`` rows. The ``output_file_count`` pattern sets the files per output.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pyspark.sql import DataFrame, SparkSession

from ..results import WrittenTable
from .hadoop_fs import data_files

# About 50-250 MB of Parquet for typical warehouse rows: large enough for fast scans, small enough to write in one task.
DEFAULT_ROWS_PER_FILE = 1_000_000


@dataclass(frozen=True)
class FileLayout:
    """How one write is split into files.

    - ``files``: the number of files of an unpartitioned table (a partitioned table gets one per directory);
      None sizes them from the data (see the module docstring);
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
            if adaptive(df.sparkSession):
                return df.hint("rebalance")  # tasks sized from the data by adaptive execution
            # Spark ignores a rebalance without adaptive execution: size the files from a count (a pass of its own).
            rows_per_file = self.max_records_per_file or DEFAULT_ROWS_PER_FILE
            return replace(self, files=max(1, math.ceil(df.count() / rows_per_file))).shape(df, partition_by)
        if self.files <= df.rdd.getNumPartitions():
            return df.coalesce(self.files)  # merges partitions without a shuffle
        return df.repartition(self.files)

    def options(self) -> dict[str, str]:
        if self.max_records_per_file is None:
            return {}
        return {"maxRecordsPerFile": str(self.max_records_per_file)}


def adaptive(spark: SparkSession) -> bool:
    """Whether adaptive query execution is on (Spark's default from 3.2, and Glue's)."""
    return str(spark.conf.get("spark.sql.adaptive.enabled", "true")).lower() == "true"


def default_layout(rows_per_file: int = DEFAULT_ROWS_PER_FILE) -> FileLayout:
    """Files sized from the data, none larger than ``rows_per_file`` rows (see the module docstring)."""
    return FileLayout(max_records_per_file=rows_per_file)


def write_table(
    df: DataFrame,
    path: str,
    *,
    partition_by: Sequence[str],
    layout: FileLayout,
    watch: Callable[[DataFrame], DataFrame] | None = None,
) -> None:
    """Write all of ``df`` as a new table at ``path``, which must not exist, split into files by ``layout``.

    ``path`` is the run's staging location of the table (``Publication.staging``): readers see the rows
    once the run publishes every output. ``watch`` wraps the shaped DataFrame just before the write, in
    the write's own stage: the output check counts its rows there (``watch_compliance``).
    """
    shaped = layout.shape(df, partition_by)
    if watch is not None:
        shaped = watch(shaped)
    writer = shaped.write.mode("errorifexists").options(**layout.options())
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
