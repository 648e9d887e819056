"""Control how many files a write produces: a fixed number of files, or a cap on rows per file.

Spark writes one file per task and per partition directory, so the file count is decided by how the
DataFrame is partitioned just before the write, and by ``maxRecordsPerFile``, which splits a task's
output into several files. Shape the DataFrame with a transform from here, then write it.

In a job, each output's file settings come from the job's declaration (``jobs/<job>.json``, key
``output_file_count``: ``{"dim_customers": {"files": 1}, "fact_orders": {"max_records_per_file": 500000}}``),
and the job arguments ``--output_files`` and ``--output_max_records_per_file`` (``table=N,table=N``)
override them per run. An output with no setting keeps the kit's default (``kit/io/writers.default_layout``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pyspark.sql import DataFrame, DataFrameWriter

from ..io.writers import FileLayout
from . import Pattern

Transform = Callable[[DataFrame], DataFrame]


class FileCountError(ValueError):
    """A file-count setting that is invalid or that Spark cannot honour."""


def repartition_to(files: int) -> Transform:
    """``files`` files of about equal size: a full shuffle into ``files`` tasks, rows dealt round-robin.

    Exact whenever every task receives a row, which holds when there are many more rows than files.
    """
    _require_positive("files", files)
    return lambda df: df.repartition(files)


def coalesce_to(files: int) -> Transform:
    """At most ``files`` files, by merging partitions without a shuffle.

    Cheaper than ``repartition_to``, but it can only reduce the count, the files can be uneven, and the
    stage that computes ``df`` also runs in only ``files`` tasks (``coalesce(1)`` runs it on one core).
    """
    _require_positive("files", files)
    return lambda df: df.coalesce(files)


def group_by_partition_columns(*partition_by: str) -> Transform:
    """Send all rows of one partition value to one task, so each partition directory gets one file.

    The task that holds a value writes that whole directory: one oversized partition value is written
    by one task.
    """
    if not partition_by:
        raise FileCountError("group_by_partition_columns needs at least one column")
    return lambda df: df.repartition(*partition_by)


@dataclass(frozen=True)
class FileCountSpec:
    """How many files one output gets. Give exactly one of ``files`` and ``max_records_per_file``.

    - ``files``: without ``partition_by``, the number of files; with it, only 1 (one file per partition
      directory), because hashing can put two slices of one value in the same task, so N > 1 per
      directory cannot be promised; use ``max_records_per_file`` to split big partitions instead.
    - ``max_records_per_file``: no file holds more rows. With ``partition_by`` each directory gets
      exactly ceil(rows in it / cap) files; without it, each task splits its own output.
    - ``partition_by``: the columns the writer partitions by; rows are grouped by them first.
    - ``shuffle=False``: merge with ``coalesce`` instead of shuffling (``files`` without partitions only).
    """

    files: int | None = None
    max_records_per_file: int | None = None
    partition_by: tuple[str, ...] = ()
    shuffle: bool = True

    def __post_init__(self) -> None:
        if (self.files is None) == (self.max_records_per_file is None):
            raise FileCountError(
                "give exactly one of files and max_records_per_file "
                f"(got files={self.files}, max_records_per_file={self.max_records_per_file})"
            )
        if self.files is not None:
            _require_positive("files", self.files)
            if self.partition_by and self.files != 1:
                raise FileCountError(
                    f"files={self.files} with partition_by: only one file per partition directory can be "
                    "guaranteed; use files=1, or max_records_per_file to split large partitions"
                )
        if self.max_records_per_file is not None:
            _require_positive("max_records_per_file", self.max_records_per_file)
        if not self.shuffle and (self.partition_by or self.files is None):
            raise FileCountError("shuffle=False (coalesce) only applies to files without partition_by")

    def shape(self, df: DataFrame) -> DataFrame:
        """Repartition ``df`` so the write produces the promised files; use with ``df.transform``."""
        if self.partition_by:
            return df.transform(group_by_partition_columns(*self.partition_by))
        if self.files is None:
            return df
        return df.transform(repartition_to(self.files) if self.shuffle else coalesce_to(self.files))

    def write_options(self) -> dict[str, str]:
        """Options for ``DataFrameWriter.options``; the per-write option overrides the session default."""
        if self.max_records_per_file is None:
            return {}
        return {"maxRecordsPerFile": str(self.max_records_per_file)}


def file_count_writer(df: DataFrame, spec: FileCountSpec) -> DataFrameWriter:
    """A writer for ``df`` shaped by ``spec``, with its options and partitioning; the caller picks the
    save mode and the format, e.g. ``file_count_writer(df, spec).mode("overwrite").parquet(path)``."""
    writer = df.transform(spec.shape).write.options(**spec.write_options())
    return writer.partitionBy(*spec.partition_by) if spec.partition_by else writer


def _require_positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FileCountError(f"{name} must be a whole number of at least 1, got {value!r}")


# --- In a job: the declaration's settings and the job arguments ----------------------------------


class OutputFileCountArguments(BaseModel):
    """Job arguments that override the declaration's file settings for one run."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    output_files: str = Field(default="", description="'<table>=<files>,...': how many files each listed output gets")
    output_max_records_per_file: str = Field(
        default="", description="'<table>=<rows>,...': the most rows one file of each listed output may hold"
    )


def parse_table_numbers(text: str, argument: str) -> dict[str, int]:
    """``'a=1,b=20'`` -> ``{'a': 1, 'b': 20}``; anything else is a FileCountError naming the argument."""
    numbers: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        table, _, value = item.partition("=")
        if not table.strip() or not value.strip().isdigit() or int(value) < 1:
            raise FileCountError(f"--{argument}: '{item}' is not '<table>=<whole number of at least 1>'")
        numbers[table.strip()] = int(value)
    return numbers


def output_specs(
    outputs: Mapping[str, Sequence[str]], settings: Mapping[str, Any], arguments: OutputFileCountArguments
) -> dict[str, FileCountSpec]:
    """The FileCountSpec of each output that has a setting; ``outputs`` maps each output to its partition keys.

    A run's argument replaces the declaration's setting for that output. Every table named must be an output.
    """
    files = parse_table_numbers(arguments.output_files, "output_files")
    caps = parse_table_numbers(arguments.output_max_records_per_file, "output_max_records_per_file")
    for source, named in (
        ("the declaration's output_file_count", settings),
        ("--output_files", files),
        ("--output_max_records_per_file", caps),
    ):
        unknown = sorted(set(named) - set(outputs))
        if unknown:
            raise FileCountError(f"{source} names {unknown}, which are not outputs of the job: {sorted(outputs)}")
    specs = {}
    for output, partition_by in outputs.items():
        spec = _spec(output, partition_by, settings.get(output, {}), files.get(output), caps.get(output))
        if spec is not None:
            specs[output] = spec
    return specs


def _spec(
    output: str, partition_by: Sequence[str], declared: Any, files: int | None, cap: int | None
) -> FileCountSpec | None:
    """One output's spec: the run's argument if it names the output, else the declaration's setting."""
    chosen = dict(declared)
    if files is not None:
        chosen = {"files": files}
    if cap is not None:
        chosen = {"max_records_per_file": cap}
    if not chosen:
        return None
    unexpected = sorted(set(chosen) - {"files", "max_records_per_file"})
    if unexpected:
        raise FileCountError(
            f"output_file_count of {output}: unknown settings {unexpected}; use files or max_records_per_file"
        )
    try:
        return FileCountSpec(partition_by=tuple(partition_by), **chosen)
    except FileCountError as exc:
        raise FileCountError(f"output {output}: {exc}") from None


def _file_layout(output: str, partition_by: Sequence[str], settings: Any, arguments: Any) -> FileLayout | None:
    # The names were checked by _validate before the run read anything; this output's own setting is all it needs.
    files = parse_table_numbers(arguments.output_files, "output_files").get(output)
    cap = parse_table_numbers(arguments.output_max_records_per_file, "output_max_records_per_file").get(output)
    spec = _spec(output, partition_by, settings.get(output, {}), files, cap)
    if spec is None:
        return None
    return FileLayout(files=spec.files, max_records_per_file=spec.max_records_per_file)


def _validate(outputs: Mapping[str, Sequence[str]], settings: Any, arguments: Any) -> None:
    output_specs(outputs, settings, arguments)


PATTERN = Pattern(
    name="output_file_count", arguments=OutputFileCountArguments, file_layout=_file_layout, validate=_validate
)
