"""Rebuild some partitions of an output safely: ``--reprocess_dates 2024-03-01,2024-03-02``.

A run without the argument rebuilds every output whole, as always. With it, each output the declaration
lists (``jobs/<job>.json``, key ``reprocessing``, output -> its date partition column) is rebuilt for
those dates only, in this order:

1. the affected partitions are the dates given, each checked to be a date;
2. the output is narrowed to them: filtered on its partition column, so only those partitions are
   rebuilt (the inputs are still read whole; a job whose raw input is partitioned by date can read only
   those folders when that input feeds only the listed outputs: see the guide);
3. the job's start is the moment its arguments were parsed (``JobConfig.started``);
4. each whole partition is rebuilt from all of its rows, staged and checked against the contract like any
   output, then moved into the table's partition folder;
5. only then, in those partition folders, every file last modified before the job's start is deleted:
   boto3 list and delete (1,000 keys a request) on S3, Hadoop FileSystem on HDFS, ``os`` locally.

Old rows stay readable until the new ones have landed (never purge-then-write), and a file another
writer puts into a partition after the job started survives. Glue's ``purge_s3_path`` cannot do step 5:
its retention period counts back from now, in hours, not from this run's start. A date with no rows left
in the source empties its partition. The outputs not listed are rebuilt whole, as on any run.

The move and the delete are ``kit/io/publish``'s partial swap, journaled like every publish: a run
killed between them is finished by the next write of the same tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pyspark.sql import SparkSession
from pyspark.sql.types import DataType, DateType

from ..args import is_iso_date
from ..declarations import load_contract
from . import Pattern

ARGUMENT = "reprocess_dates"


class ReprocessingError(ValueError):
    """The declaration's reprocessing settings do not fit the job's outputs."""


def parse_dates(text: str | None) -> tuple[str, ...]:
    """``'2024-03-02, 2024-03-01'`` -> ``('2024-03-01', '2024-03-02')``: ISO dates, sorted, each once."""
    if text is None:
        return ()
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ValueError("give dates as YYYY-MM-DD separated by commas, with no empty item")
    bad = [item for item in items if not is_iso_date(item)]
    if bad:
        raise ValueError(f"{bad} {'is not a date' if len(bad) == 1 else 'are not dates'} of the form YYYY-MM-DD")
    return tuple(sorted(set(items)))


class ReprocessingArguments(BaseModel):
    """The job argument that turns a run into a rebuild of some dates."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    reprocess_dates: str | None = Field(
        default=None,
        description="comma-separated dates (YYYY-MM-DD) whose partitions the run rebuilds, every other partition "
        "left as it is; absent: every output is rebuilt whole",
    )

    @field_validator(ARGUMENT)
    @classmethod
    def _check_dates(cls, value: str | None) -> str | None:
        parse_dates(value)
        return value


def declared_columns(outputs: Mapping[str, Sequence[str]], settings: Mapping[str, Any]) -> dict[str, str]:
    """Output -> the date partition column its reprocessing rebuilds, from the declaration, checked.

    The column must be the output's first partition key, so that one folder holds all of a date's rows.
    """
    columns = {}
    for output, column in settings.items():
        if output not in outputs:
            raise ReprocessingError(
                f"reprocessing names '{output}', which is not an output of the job: {sorted(outputs)}"
            )
        keys = list(outputs[output])
        if not keys or column != keys[0]:
            raise ReprocessingError(
                f"reprocessing of {output}: give its first partition key ({keys[0] if keys else 'it has none'}), "
                f"got {column!r}; only a partitioned output can be rebuilt a date at a time"
            )
        columns[output] = column
    return columns


def _validate(outputs: Mapping[str, Sequence[str]], settings: Any, arguments: Any) -> None:
    for output, column in declared_columns(outputs, settings).items():
        check_date_column(output, column, load_contract(output).field(column).dataType)


def check_date_column(output: str, column: str, data_type: DataType) -> None:
    """The dates given are matched as the column's values: only a date column has them in that form."""
    if not isinstance(data_type, DateType):
        raise ReprocessingError(
            f"reprocessing of {output}: its partition column {column} is {data_type.simpleString()}, not a date; "
            "--reprocess_dates can only name the partitions of a date column"
        )


def _replace_partitions(
    spark: SparkSession, output: str, path: str, partition_by: Sequence[str], settings: Any, arguments: Any
) -> Any:
    dates = parse_dates(arguments.reprocess_dates)
    if not dates or output not in settings:
        return None
    # The column was checked against the contract by _validate, before the run read anything.
    return settings[output], dates


PATTERN = Pattern(
    name="reprocessing",
    arguments=ReprocessingArguments,
    validate=_validate,
    replace_partitions=_replace_partitions,
)
