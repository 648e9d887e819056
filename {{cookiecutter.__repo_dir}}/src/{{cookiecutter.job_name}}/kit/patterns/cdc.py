"""Change records into current state: fold an AWS DMS change feed into the table the job reads.

The declaration (``jobs/<job>.json``, key ``cdc``) names, for an input of the job (the *target*, read as a
full load: every row an insert), the input that holds its change records, the output that keeps its state,
the key, and the change feed's time and sequence columns::

    "cdc": {"customers": {"changes": "customers_changes", "state": "customers_state",
                          "key": ["customerNumber"], "commit_time": "changed_at", "sequence": "change_seq"}}

The change records are DMS's S3 CSV output with a header row (endpoint setting ``AddColumnName=true``):
``Op`` (``I``, ``U`` or ``D``), the ``TimestampColumnName`` column (the source's commit time as the string
``yyyy-MM-dd HH:mm:ss.SSSSSS``: changes of one transaction tie), optionally a change-sequence column (from
a transformation rule with ``$AR_H_CHANGE_SEQ``: 35 digits), then the target's columns. Their folder sits
beside the target's (``<raw>/customers_changes``) unless the job gives its path. A DMS full load written
without ``Op`` (``IncludeOpForFullLoad=false``) is the target input itself: its rows are inserts older
than any change.

Each run folds, as ``fold`` does:

1. the state the last run left (``<output>/customers_state``: every key's latest change, deletes kept as
   tombstones) with the full load and the change records;
2. per key, the latest by (commit time, sequence): without a sequence column, by file path then by the
   record's place in its file, which the reader takes as it reads (Spark keeps no row order); full-load rows
   come before every change;
3. keys whose latest change is a ``D`` are deleted, and stay in the state as tombstones so that an older
   change arriving later cannot bring them back; a delete of a key that is not present is a no-op, counted;
4. two changes of one key with the same commit time and sequence but other values are a conflict: the run
   stops and names them, nothing is written.

The job then reads the target as its current rows (tombstones left out), and the new state is written with
the job's outputs, in the same staged publish: a failed run leaves the old state, and a rerun folds to the
same result (the changes already folded are recognised, not applied twice).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField

from ..contracts import Contract
from ..contracts.compliance import SOURCE_BLOCK_COLUMN, SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN
from ..declarations import DeclarationError, load_contract
from ..io.hadoop_fs import data_files
from ..io.publish import split_location
from ..labels import spark_jobs
from . import Folded, Pattern

OP_COLUMN = "Op"
CHANGE_FILE_COLUMN = "change_file"
CHANGE_LINE_COLUMN = "change_line"
MAX_REPORTED_CONFLICTS = 20
SETTING_KEYS = ("changes", "state", "key", "commit_time", "sequence")

# Working columns of the fold, dropped before anything leaves it.
_ORIGIN = "__origin"  # 0: the last run's state, 1: the full load, 2: a change record
_STATE, _LOAD, _CHANGE = 0, 1, 2
_CONTENT = "__content"
_PREVIOUS_OP = "__previous_op"
_LATEST = "__latest"


class CdcSettingsError(DeclarationError):
    """The declaration's cdc settings do not fit the job's inputs, outputs or contracts."""


class ChangeConflictError(ValueError):
    """Two changes of one key have the same commit time and sequence but other values."""


@dataclass(frozen=True)
class Feed:
    """One target input, its change records and its state, as the declaration gives them."""

    target: str
    changes: str
    state: str
    key: tuple[str, ...]
    commit_time: str
    sequence: str | None

    @property
    def meta_columns(self) -> tuple[str, ...]:
        """The change record's own columns, before the target's."""
        return (OP_COLUMN, self.commit_time, *([self.sequence] if self.sequence else []))


@dataclass(frozen=True)
class FoldResult:
    """The new state (every key's latest change, tombstones included), the target's current rows, and counts."""

    state: DataFrame
    current: DataFrame
    changes: int
    noop_deletes: int
    live: int
    deleted: int

    def note(self, feed: Feed) -> str:
        unknown = (
            f"; {_count(self.noop_deletes, 'delete')} of {'a key' if self.noop_deletes == 1 else 'keys'} not present, "
            "ignored"
            if self.noop_deletes
            else ""
        )
        return (
            f"{_count(self.changes, 'change record')} of {feed.changes} folded in{unknown}; "
            f"{_count(self.live, 'current row')}, {_count(self.deleted, 'deleted key')} kept as tombstones in "
            f"{feed.state}"
        )


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def feeds(settings: Mapping[str, Any]) -> list[Feed]:
    """The declaration's cdc settings, checked for shape (not yet against the contracts)."""
    found = []
    for target, spec in settings.items():
        where = f"cdc settings of {target}"
        if not isinstance(spec, dict):
            raise CdcSettingsError(f"{where}: give an object with {', '.join(SETTING_KEYS)}")
        unknown = sorted(set(spec) - set(SETTING_KEYS))
        missing = sorted({"changes", "state", "key", "commit_time"} - set(spec))
        if unknown or missing:
            raise CdcSettingsError(
                f"{where}: {'unknown ' + str(unknown) + '; ' if unknown else ''}"
                f"{'missing ' + str(missing) + '; ' if missing else ''}the keys are {', '.join(SETTING_KEYS)} "
                "(sequence may be left out)"
            )
        key = spec["key"]
        if not isinstance(key, list) or not key or not all(isinstance(column, str) and column for column in key):
            raise CdcSettingsError(f"{where}: key is {key!r}; give the target's key columns as a list of names")
        named = ["changes", "state", "commit_time", *(["sequence"] if spec.get("sequence") is not None else [])]
        bad = [name for name in named if not (isinstance(spec[name], str) and spec[name])]
        if bad:
            raise CdcSettingsError(f"{where}: {bad} must be names (text)")
        found.append(
            Feed(target, spec["changes"], spec["state"], tuple(key), spec["commit_time"], spec.get("sequence"))
        )
    return found


def check_contracts(feed: Feed, target: Contract, changes: Contract, state: Contract) -> None:
    """The change records carry ``Op``, the time, the sequence and every target column; the state the same,
    plus where each key's latest change came from (``change_file``, ``change_line``), and no partitions."""
    for column in feed.key:
        if column not in target.columns:
            raise CdcSettingsError(f"cdc of {feed.target}: key column {column} is not in its contract {target.columns}")
    text_columns = [StructField(name, StringType()) for name in feed.meta_columns]
    wanted = {
        changes.name: (changes, [*text_columns, *target.schema.fields]),
        state.name: (
            state,
            [
                *text_columns,
                *target.schema.fields,
                StructField(CHANGE_FILE_COLUMN, StringType()),
                StructField(CHANGE_LINE_COLUMN, LongType()),
            ],
        ),
    }
    for name, (contract, fields) in wanted.items():
        problems = []
        for field in fields:
            if field.name not in contract.columns:
                problems.append(f"{field.name} ({field.dataType.simpleString()}) is missing")
            elif contract.field(field.name).dataType != field.dataType:
                found = contract.field(field.name).dataType.simpleString()
                problems.append(f"{field.name} is {found}, not {field.dataType.simpleString()}")
        if contract is state:
            problems += [
                f"{name} must be nullable: a key whose latest row is from the full load has none"
                for name in feed.meta_columns[1:]
                if name in contract.columns and not contract.field(name).nullable
            ]
        extra = sorted(set(contract.columns) - {field.name for field in fields})
        if extra:
            problems.append(f"{extra} are not columns of {feed.target} or of the change record")
        if contract.partition_keys:
            problems.append("it must not be partitioned: the fold rewrites it whole")
        if problems:
            raise CdcSettingsError(f"cdc of {feed.target}: the contract of {name} does not fit: {'; '.join(problems)}")


def _validate(outputs: Mapping[str, Sequence[str]], settings: Any, arguments: Any) -> None:
    for feed in feeds(settings):
        if feed.state not in outputs:
            raise CdcSettingsError(
                f"cdc of {feed.target}: its state {feed.state} must be a declared output of the job: {sorted(outputs)}"
            )
        check_contracts(feed, load_contract(feed.target), load_contract(feed.changes), load_contract(feed.state))


def _ordered_inputs(paths: Mapping[str, str], settings: Any) -> dict[str, str]:
    ordered = {}
    for feed in feeds(settings):
        if feed.target in paths:
            parent, _ = split_location(paths[feed.target])
            ordered[feed.target] = paths[feed.target]
            ordered[feed.changes] = paths.get(feed.changes, f"{parent}/{feed.changes}")
    return ordered


def file_lines(df: DataFrame) -> Column:
    """Each row's number in its file (1 for the first record), from where the reader found it."""
    in_file = Window.partitionBy(SOURCE_FILE_COLUMN).orderBy(SOURCE_BLOCK_COLUMN, SOURCE_ROW_COLUMN)
    return F.row_number().over(in_file).cast("long")


def read_state(spark: SparkSession, path: str, contract: Contract) -> DataFrame:
    """The state the last run left at ``path``; no rows before the first run."""
    if not data_files(spark, path):
        return spark.createDataFrame([], contract.schema)
    return spark.read.schema(contract.schema).parquet(path)


def _events(feed: Feed, target: Contract, state: DataFrame, load: DataFrame, changes: DataFrame) -> DataFrame:
    """The state's rows, the full load's and the change records, as one table of changes with their origin."""
    columns = [*feed.meta_columns, *target.columns]
    place = [F.col(SOURCE_FILE_COLUMN).alias(CHANGE_FILE_COLUMN), F.col(CHANGE_LINE_COLUMN)]
    as_insert: list[Column | str] = [
        F.lit("I").alias(OP_COLUMN),
        *[F.lit(None).cast("string").alias(name) for name in feed.meta_columns[1:]],
        *target.columns,
    ]
    return (
        state.select(*columns, CHANGE_FILE_COLUMN, CHANGE_LINE_COLUMN, F.lit(_STATE).alias(_ORIGIN))
        .unionByName(
            load.withColumn(CHANGE_LINE_COLUMN, file_lines(load)).select(
                *as_insert, *place, F.lit(_LOAD).alias(_ORIGIN)
            )
        )
        .unionByName(
            changes.withColumn(CHANGE_LINE_COLUMN, file_lines(changes)).select(
                *columns, *place, F.lit(_CHANGE).alias(_ORIGIN)
            )
        )
    )


def _conflicts(feed: Feed, events: DataFrame) -> list[str]:
    """Changes of one key with the same commit time and sequence but other values, described. Full-load rows
    have neither, so two full-load rows of one key with other values are a conflict too."""
    if feed.sequence is None:
        return []
    tied = [*feed.key, feed.commit_time, feed.sequence]
    found = (
        events.groupBy(*tied)
        .agg(
            F.countDistinct(_CONTENT).alias("versions"),
            F.sort_array(
                F.collect_set(F.concat_ws(" line ", CHANGE_FILE_COLUMN, F.col(CHANGE_LINE_COLUMN).cast("string")))
            ).alias("at"),
        )
        .where(F.col("versions") > 1)
        .orderBy(*tied)
        .limit(MAX_REPORTED_CONFLICTS + 1)
        .collect()
    )
    lines = []
    for row in found[:MAX_REPORTED_CONFLICTS]:
        key = ", ".join(f"{column}={row[column]}" for column in feed.key)
        when = (
            f"at {row[feed.commit_time]} sequence {row[feed.sequence]}"
            if row[feed.commit_time] is not None
            else "in the full load"
        )
        lines.append(f"{key} {when}: {row['versions']} different versions, in {'; '.join(row['at'])}")
    if len(found) > MAX_REPORTED_CONFLICTS:
        lines.append(f"... and more; only the first {MAX_REPORTED_CONFLICTS} are listed")
    return lines


def fold(feed: Feed, target: Contract, state: DataFrame, load: DataFrame, changes: DataFrame) -> FoldResult:
    """Fold ``state`` (the last run's), ``load`` (the full load, with the reader's position columns) and
    ``changes`` (change records, likewise) into the new state and the target's current rows.

    Raises ChangeConflictError, naming the changes, when two of one key tie on time and sequence with other
    values. The new state is checkpointed (its lineage cut): the job may replace the old state's files.
    """
    spark = state.sparkSession
    events = _events(feed, target, state, load, changes).withColumn(
        _CONTENT, F.to_json(F.struct(OP_COLUMN, *target.columns))
    )
    by_key = Window.partitionBy(*feed.key)
    untimed = F.col(feed.commit_time).isNull()
    # A state row without a commit time is an earlier read of the full load: the full load as read now
    # replaces it (a reloaded table is taken as it is now); it stays only if the full load lost the key.
    in_load = F.max((F.col(_ORIGIN) == _LOAD).cast("int")).over(by_key) == 1
    events = events.withColumn("__stale", untimed & (F.col(_ORIGIN) == _STATE) & in_load)
    events = events.where(~F.col("__stale")).drop("__stale")
    with spark_jobs(spark, f"fold {feed.changes} into {feed.target}: conflicts"):
        conflicts = _conflicts(feed, events)
    if conflicts:
        listing = "\n  ".join(conflicts)
        raise ChangeConflictError(
            f"{feed.changes}: changes of one key with the same commit time and sequence {feed.sequence} carry other "
            "values, so which came last cannot be told. Nothing was written. Correct or remove all but one of "
            f"each in the files named, and check that DMS sets {feed.sequence}.\n  {listing}"
        )
    # One event per identity: a change read again (it was folded before) is the same event, and the copy
    # read now wins over the state's.
    if feed.sequence is None:
        identity = [*feed.key, feed.commit_time, CHANGE_FILE_COLUMN, CHANGE_LINE_COLUMN]
    else:
        identity = [*feed.key, feed.commit_time, feed.sequence]
    newest_read = Window.partitionBy(*identity).orderBy(F.col(_ORIGIN).desc())
    unique = events.withColumn("__copy", F.row_number().over(newest_read)).where(F.col("__copy") == 1)
    # Full-load rows (no commit time) first, then by time, sequence, file and place in the file.
    order = [feed.commit_time, *([feed.sequence] if feed.sequence else []), CHANGE_FILE_COLUMN, CHANGE_LINE_COLUMN]
    ranked = unique.withColumn(
        _PREVIOUS_OP, F.lag(OP_COLUMN).over(by_key.orderBy(*[F.col(name).asc_nulls_first() for name in order]))
    ).withColumn(_LATEST, F.row_number().over(by_key.orderBy(*[F.col(name).desc_nulls_last() for name in order])))
    noop = (F.col(OP_COLUMN) == "D") & (F.col(_ORIGIN) == _CHANGE)
    noop &= F.col(_PREVIOUS_OP).isNull() | (F.col(_PREVIOUS_OP) == "D")
    columns = [*feed.meta_columns, *target.columns, CHANGE_FILE_COLUMN, CHANGE_LINE_COLUMN]
    with spark_jobs(spark, f"fold {feed.changes} into {feed.target}"):
        marked = ranked.select(*columns, noop.alias("__noop"), (F.col(_LATEST) == 1).alias(_LATEST), _ORIGIN)
        marked = marked.localCheckpoint(eager=True)
        counts = marked.agg(
            F.count(F.when(F.col(_ORIGIN) == _CHANGE, True)).alias("changes"),
            F.count(F.when(F.col("__noop"), True)).alias("noop"),
            F.count(F.when(F.col(_LATEST) & (F.col(OP_COLUMN) != "D"), True)).alias("live"),
            F.count(F.when(F.col(_LATEST) & (F.col(OP_COLUMN) == "D"), True)).alias("deleted"),
        ).collect()[0]
    new_state = marked.where(F.col(_LATEST)).select(*columns)
    return FoldResult(
        state=new_state,
        current=new_state.where(F.col(OP_COLUMN) != "D").select(*target.columns),
        changes=int(counts["changes"]),
        noop_deletes=int(counts["noop"]),
        live=int(counts["live"]),
        deleted=int(counts["deleted"]),
    )


def _fold_inputs(
    spark: SparkSession, tables: Mapping[str, DataFrame], outputs: Mapping[str, str], settings: Any, arguments: Any
) -> Folded | None:
    chosen = [feed for feed in feeds(settings) if feed.target in tables]
    if not chosen:
        return None
    inputs, made, notes = {}, {}, {}
    for feed in chosen:
        if feed.state not in outputs:
            raise CdcSettingsError(f"cdc of {feed.target}: no output path was given for its state {feed.state}")
        target, state_contract = load_contract(feed.target), load_contract(feed.state)
        state = read_state(spark, outputs[feed.state], state_contract)
        result = fold(feed, target, state, tables[feed.target], tables[feed.changes])
        inputs[feed.target], made[feed.state] = result.current, result.state
        notes[feed.target] = result.note(feed)
    return Folded(inputs, made, notes)


PATTERN = Pattern(name="cdc", validate=_validate, ordered_inputs=_ordered_inputs, fold_inputs=_fold_inputs)
