"""Point-in-time queries via partitioning: every run files a full snapshot of chosen outputs by day.

The declaration (``jobs/<job>.json``, key ``point_in_time``) names each snapshot table and the output it
copies, and how many days of snapshots to keep::

    "point_in_time": {"snapshots": {"dim_customers_snapshots": "dim_customers"}, "retention_days": 400}

Each snapshot table is a declared output with its own contract: the source's columns plus ``snapshot_date``
(a date, its only partition key). It lives beside its source (``<output_path>/dim_customers_snapshots``).
A run writes the source's rows, as this run built them, under ``snapshot_date=<day>``, where the day is
``--snapshot_date`` or, by default, the day the run started (UTC). It replaces that day's folder only, the
way the kit replaces some partitions (``kit/io/publish.PartitionScope``): a rerun of the same day replaces
that day, every other day stays as it was. In the same publish, the snapshots older than
``retention_days`` before the day are deleted, files older than the run's start only.

``read_as_of(spark, table, day)`` answers "what did the table look like on that day": the latest
snapshot on or before it.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..args import is_iso_date
from ..io.publish import partition_values, split_location
from . import Pattern

SNAPSHOT_COLUMN = "snapshot_date"
ARGUMENT = "snapshot_date"


class PointInTimeError(ValueError):
    """The declaration's point_in_time settings do not fit the job's outputs."""


class NoSnapshotError(LookupError):
    """A table has no snapshot on or before the day asked for."""


def utc_today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time()))


def check_day(text: str) -> str:
    """``text`` if it is a date written ``YYYY-MM-DD``; otherwise a ValueError that says so."""
    if not is_iso_date(text):
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD")
    return text


def check_snapshot_day(text: str) -> str:
    """A day a run may file its snapshots under: a date, and not after today (UTC). Retention counts back from
    it, so a day typed years ahead would delete every snapshot there is."""
    check_day(text)
    today = utc_today()
    if text > today:
        raise ValueError(f"{text} is after today ({today}, UTC): a run files its snapshots under its day or before")
    return text


class PointInTimeArguments(BaseModel):
    """The day a run files its snapshots under: fixed when the arguments are parsed, so every table agrees."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    snapshot_date: str = Field(
        default_factory=utc_today,
        description="YYYY-MM-DD: the day this run's snapshots are filed under (default: the run's start, UTC)",
    )

    @field_validator(ARGUMENT)
    @classmethod
    def _check(cls, value: str) -> str:
        return check_snapshot_day(value)


def declared_snapshots(outputs: Mapping[str, Sequence[str]], settings: Mapping[str, Any]) -> dict[str, str]:
    """Snapshot table -> the output it copies, from the declaration, checked against the outputs' contracts."""
    unknown = sorted(set(settings) - {"snapshots", "retention_days"})
    if unknown:
        raise PointInTimeError(f"point_in_time: unknown settings {unknown}; use snapshots and retention_days")
    snapshots = settings.get("snapshots", {})
    if not isinstance(snapshots, dict) or not snapshots:
        raise PointInTimeError("point_in_time: give 'snapshots' as {snapshot table: the output it copies}")
    for snapshot, source in snapshots.items():
        for name in (snapshot, source):
            if name not in outputs:
                raise PointInTimeError(
                    f"point_in_time names '{name}', which is not an output of the job: {sorted(outputs)}"
                )
        if list(outputs[snapshot]) != [SNAPSHOT_COLUMN]:
            raise PointInTimeError(
                f"point_in_time: the contract of {snapshot} must have {SNAPSHOT_COLUMN} as its only partition key, "
                f"not {list(outputs[snapshot])}"
            )
        if source in snapshots:
            raise PointInTimeError(f"point_in_time: {snapshot} copies {source}, which is itself a snapshot table")
    retention_days(settings)
    return dict(snapshots)


def retention_days(settings: Mapping[str, Any]) -> int:
    days = settings.get("retention_days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise PointInTimeError(f"point_in_time: retention_days must be a whole number, at least 1; got {days!r}")
    return days


def expired(days: Sequence[str], day: str, keep_days: int) -> list[str]:
    """The snapshot days older than ``keep_days`` before ``day``: those a run of ``day`` deletes."""
    cutoff = (datetime.date.fromisoformat(day) - datetime.timedelta(days=keep_days)).isoformat()
    return [value for value in days if value < cutoff]


def read_as_of(spark: SparkSession, table: str, day: str) -> DataFrame:
    """The snapshot of ``table`` that was current on ``day``: the latest one on or before it, with its
    ``snapshot_date`` column. ``NoSnapshotError`` if there is none, naming the days there are."""
    check_day(day)
    table = table.rstrip("/")
    days = partition_values(spark, table, SNAPSHOT_COLUMN)
    earlier = [value for value in days if value <= day]
    if not earlier:
        held = f"its snapshots run from {days[0]} to {days[-1]}" if days else "it has no snapshots"
        raise NoSnapshotError(f"{table} has no snapshot on or before {day}: {held}")
    return spark.read.option("basePath", table).parquet(f"{table}/{SNAPSHOT_COLUMN}={earlier[-1]}")


def _validate(outputs: Mapping[str, Sequence[str]], settings: Any, arguments: Any) -> None:
    if settings:
        declared_snapshots(outputs, settings)


def _derive(
    tables: Mapping[str, DataFrame], paths: Mapping[str, str], settings: Any, arguments: Any
) -> dict[str, tuple[DataFrame, str]]:
    if not settings:
        return {}
    derived = {}
    for snapshot, source in settings["snapshots"].items():
        parent, _ = split_location(paths[source])
        table = tables[source].withColumn(SNAPSHOT_COLUMN, F.lit(arguments.snapshot_date).cast("date"))
        derived[snapshot] = (table, f"{parent}/{snapshot}")
    return derived


def _replace_partitions(
    spark: SparkSession, output: str, path: str, partition_by: Sequence[str], settings: Any, arguments: Any
) -> tuple[str, list[str]] | None:
    if not settings or output not in settings["snapshots"]:
        return None
    day = arguments.snapshot_date
    old = expired(partition_values(spark, path, SNAPSHOT_COLUMN), day, retention_days(settings))
    return SNAPSHOT_COLUMN, [day, *old]


PATTERN = Pattern(
    name="point_in_time",
    arguments=PointInTimeArguments,
    validate=_validate,
    derive_outputs=_derive,
    replace_partitions=_replace_partitions,
)
