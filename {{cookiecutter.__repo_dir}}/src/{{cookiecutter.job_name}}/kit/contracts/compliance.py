"""Data against its contract: what breaks it, and what happens to the rows that do.

Two families of violation:

- **structural** (``missing_column``, ``unexpected_column``, ``type_mismatch``): the DataFrame's
  schema differs from the contract. Every row is affected, so no policy can set rows aside: the run stops.
- **row-level** (``null_in_required``, ``malformed_record``, ``rule_violation``): some rows break the contract. The
  dataset's ``Policy`` decides: ``fail`` stops the run, ``quarantine`` moves those rows aside
  (``kit/io/quarantine.py``) and lets the others through.

Malformed records are the ones the readers (``kit/io/readers.py``) could not parse: they keep
the raw text in ``CORRUPT_RECORD_COLUMN``. Types are compared ignoring nullability and field metadata
at every nesting level: nullability is checked on the data (nulls in required columns), and the
columns' value rules (``kit/contracts/rules.py``) on every non-null value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import reduce
from typing import Any

from pyspark.sql import Column, DataFrame, Observation, Row
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DataType, MapType, StringType, StructField, StructType

from ..results import IntakeReport
from . import Contract
from .rules import RULE_VIOLATION, rule_problems

LOG = logging.getLogger(__name__)

# Where the readers keep the raw text of a record they could not parse (Spark's PERMISSIVE mode).
CORRUPT_RECORD_COLUMN = "_corrupt_record"
# What else the readers say of each row: its file, why a record did not parse, and the exact bytes of
# any value that is not valid in the declared encoding (column -> base64).
SOURCE_FILE_COLUMN = "_source_file"
# Where a row stood in its file, for an input whose row order matters (a change feed): the file's block the
# task read (``input_file_block_start``) and the row's id in that task (``monotonically_increasing_id``),
# which grows in the order the task read the rows. Added only when asked for (``open_csv(positions=True)``).
SOURCE_BLOCK_COLUMN = "_source_block"
SOURCE_ROW_COLUMN = "_source_row"
POSITION_COLUMNS = (SOURCE_FILE_COLUMN, SOURCE_BLOCK_COLUMN, SOURCE_ROW_COLUMN)
MALFORMED_DETAIL_COLUMN = "_malformed_detail"
INVALID_BYTES_COLUMN = "_invalid_bytes"
# The readers also run every row-level check as they parse a row (``with_problems``): the numbers of the
# checks it fails, null for a sound row. The counts, the quarantine and the good rows all use that one result.
PROBLEMS_COLUMN = "_problems"
READER_COLUMNS = (
    CORRUPT_RECORD_COLUMN,
    SOURCE_FILE_COLUMN,
    SOURCE_BLOCK_COLUMN,
    SOURCE_ROW_COLUMN,
    MALFORMED_DETAIL_COLUMN,
    INVALID_BYTES_COLUMN,
    PROBLEMS_COLUMN,
)
# Columns a quarantined row carries besides its own; the leading underscore keeps them apart from data columns.
REASON_COLUMN = "_quarantine_reason"
RUN_ID_COLUMN = "_run_id"
RAW_RECORD_COLUMN = "_raw_record"
# The one column of a compliance query: every count of one dataset, as a JSON object.
COUNTS_COLUMN = "counts"

MISSING_COLUMN = "missing_column"
UNEXPECTED_COLUMN = "unexpected_column"
TYPE_MISMATCH = "type_mismatch"
NULL_IN_REQUIRED = "null_in_required"
MALFORMED_RECORD = "malformed_record"
STRUCTURAL_KINDS = frozenset({MISSING_COLUMN, UNEXPECTED_COLUMN, TYPE_MISMATCH})

MALFORMED_REASON = "malformed record"
INVALID_ENCODING_REASON = "bytes that are not valid in the declared encoding"
HOW_TO_FIX = (
    "How to fix: correct the source data (or the transform that builds this dataset). If the change is "
    "intended, change the contract deliberately (contracts/schemas/{dataset}.*) and tell the dataset's consumers."
)
NO_ROW_TO_QUARANTINE = (
    "Quarantine sets rows aside, but a missing, unexpected or retyped column affects every row: "
    "there is no row to quarantine it into, so the run stops."
)


class Policy(Enum):
    """What happens to rows that break the contract: stop the run, or set them aside and go on.

    A plain Enum of strings: StrEnum needs Python 3.11 and Glue 4.0 runs 3.10.
    """

    FAIL = "fail"
    QUARANTINE = "quarantine"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Violation:
    """One way a dataset breaks its contract. ``rows`` counts the affected rows (row-level kinds only)."""

    kind: str
    column: str | None
    detail: str
    rows: int | None = None

    @property
    def structural(self) -> bool:
        return self.kind in STRUCTURAL_KINDS

    def __str__(self) -> str:
        where = f" {self.column}" if self.column else ""
        count = "" if self.rows is None else f" ({self.rows} row{'' if self.rows == 1 else 's'})"
        return f"{self.kind}{where}: {self.detail}{count}"


class ContractViolationError(ValueError):
    """A dataset breaks its contract; the message lists every violation, one per line, and how to fix it."""

    def __init__(self, dataset: str, violations: Iterable[Violation], note: str = "") -> None:
        self.dataset = dataset
        self.violations = tuple(violations)
        count = len(self.violations)
        lines = [f"Dataset '{dataset}' breaks its contract ({count} violation{'' if count == 1 else 's'}):"]
        lines += [f"  - {violation}" for violation in self.violations]
        if note:
            lines.append(note)
        lines.append(HOW_TO_FIX.format(dataset=dataset))
        super().__init__("\n".join(lines))


class QuarantineMismatchError(RuntimeError):
    """Rows in != rows out + rows quarantined: some rows would vanish, so the run stops."""


class EmptyInputError(ValueError):
    """An input a job cannot run without has no rows to work with."""


@dataclass(frozen=True)
class ComplianceCheck:
    """What one pass over a DataFrame found: row counts and every violation."""

    rows: int
    rows_passing: int
    rows_failing: int
    violations: tuple[Violation, ...]


def _shape(data_type: DataType) -> DataType:
    """``data_type`` with every nullability flag set and all metadata dropped, at every nesting level."""
    if isinstance(data_type, StructType):
        return StructType([StructField(field.name, _shape(field.dataType), True) for field in data_type.fields])
    if isinstance(data_type, ArrayType):
        return ArrayType(_shape(data_type.elementType), True)
    if isinstance(data_type, MapType):
        return MapType(_shape(data_type.keyType), _shape(data_type.valueType), True)
    return data_type


def schema_violations(actual: StructType, contract: Contract) -> list[Violation]:
    """Missing, unexpected and retyped columns of ``actual`` (the readers' own columns are not data)."""
    expected = {field.name: field for field in contract.schema.fields}
    present = {field.name: field for field in actual.fields if field.name not in READER_COLUMNS}
    violations = [
        Violation(MISSING_COLUMN, name, f"the contract's {field.dataType.simpleString()} column is absent")
        for name, field in expected.items()
        if name not in present
    ]
    violations += [
        Violation(UNEXPECTED_COLUMN, name, f"{field.dataType.simpleString()} column is not in the contract")
        for name, field in present.items()
        if name not in expected
    ]
    violations += [
        Violation(
            TYPE_MISMATCH,
            name,
            f"the contract says {field.dataType.simpleString()}, the data has {present[name].dataType.simpleString()}",
        )
        for name, field in expected.items()
        if name in present and _shape(field.dataType) != _shape(present[name].dataType)
    ]
    return violations


@dataclass(frozen=True)
class RowCheck:
    """One row-level check: the violation ``kind`` it reports, the column it is about, and when a row fails it.

    ``reason`` is what a failing row's ``_quarantine_reason`` says (text, or a Column when it depends on
    the row); ``detail`` is what the violation says of all failing rows together.
    """

    kind: str
    column: str | None
    condition: Column
    reason: str | Column
    detail: str


def _row_problems(df: DataFrame, contract: Contract) -> list[RowCheck]:
    """Every row-level check that applies to ``df``.

    Malformed comes first: it is usually the cause, and the nulls it leaves in required columns follow.
    """
    problems: list[RowCheck] = []
    if CORRUPT_RECORD_COLUMN in df.columns:
        reason: str | Column = MALFORMED_REASON
        if MALFORMED_DETAIL_COLUMN in df.columns:
            detail = F.col(MALFORMED_DETAIL_COLUMN)
            reason = F.when(detail.isNull(), F.lit(MALFORMED_REASON)).otherwise(
                F.concat(F.lit(MALFORMED_REASON + ": "), detail)
            )
        problems.append(
            RowCheck(
                MALFORMED_RECORD,
                None,
                F.col(CORRUPT_RECORD_COLUMN).isNotNull(),
                reason,
                "the reader could not parse it against the contract (field count, value type or syntax)",
            )
        )
    if INVALID_BYTES_COLUMN in df.columns:
        problems += [
            RowCheck(
                MALFORMED_RECORD,
                name,
                F.col(INVALID_BYTES_COLUMN).getItem(name).isNotNull(),
                f"{INVALID_ENCODING_REASON} in {name}",
                f"{INVALID_ENCODING_REASON}; the exact bytes are kept as base64 in {INVALID_BYTES_COLUMN}",
            )
            for name in contract.columns
            if isinstance(contract.field(name).dataType, StringType)
        ]
    problems += [
        RowCheck(
            NULL_IN_REQUIRED,
            name,
            F.col(name).isNull(),
            f"null in required column {name}",
            f"null in required column {name}",
        )
        for name in contract.required
        if name in df.columns
    ]
    problems += [
        RowCheck(RULE_VIOLATION, column, condition, reason, reason)
        for reason, column, condition in rule_problems(contract.schema, df.columns)
    ]
    return problems


def _reason(problems: Sequence[RowCheck]) -> Column:
    """Every reason a row breaks the contract, joined by '; '; null for a sound row."""
    if not problems:
        return F.lit(None).cast("string")
    reasons = [
        F.when(check.condition, check.reason if isinstance(check.reason, Column) else F.lit(check.reason))
        for check in problems
    ]
    joined = F.concat_ws("; ", *reasons)
    return F.when(joined != "", joined)


def _counting(df: DataFrame, contract: Contract) -> tuple[list[Column], Callable[[Mapping[str, Any]], ComplianceCheck]]:
    """The aggregate expressions that count ``df``'s rows and each row-level problem, and how their values
    (one Row) become the ComplianceCheck: what ``check_compliance`` and ``watch_compliance`` share."""
    structural = schema_violations(df.schema, contract)
    problems, broken = _checks(df, contract)
    counts = [
        F.count(F.lit(1)).alias("rows"),
        F.count(F.when(~broken, 1)).alias("passing"),
        F.count(F.when(broken, 1)).alias("failing"),
        *[F.count(F.when(check.condition, 1)).alias(f"problem_{index}") for index, check in enumerate(problems)],
    ]

    def finish(values: Mapping[str, Any]) -> ComplianceCheck:
        row_level = [
            Violation(check.kind, check.column, check.detail, int(values[f"problem_{index}"]))
            for index, check in enumerate(problems)
            if values[f"problem_{index}"]
        ]
        return ComplianceCheck(
            rows=int(values["rows"]),
            rows_passing=int(values["passing"]),
            rows_failing=int(values["failing"]),
            violations=(*structural, *row_level),
        )

    return counts, finish


def compliance_query(df: DataFrame, contract: Contract) -> tuple[DataFrame, Callable[[Row], ComplianceCheck]]:
    """A one-row DataFrame of ``df``'s counts (lazy), and how its row becomes the ComplianceCheck.

    For checking several datasets in one Spark job: union their queries (``counts`` column), collect once.
    """
    counts, finish = _counting(df, contract)
    # As JSON text, so the queries of datasets with different checks still union.
    query = df.agg(F.to_json(F.struct(*counts)).alias(COUNTS_COLUMN))
    return query, lambda row: finish(json.loads(row[COUNTS_COLUMN]))


def _any(problems: Sequence[RowCheck]) -> Column:
    """True when a row fails any of ``problems`` (a check whose condition is null does not fail)."""
    if not problems:
        return F.lit(False)
    return F.coalesce(reduce(lambda left, right: left | right, [check.condition for check in problems]), F.lit(False))


def _checks(df: DataFrame, contract: Contract) -> tuple[list[RowCheck], Column]:
    """The row-level checks of ``df``, and a condition true for a row that fails any.

    When its reader already ran them (``with_problems``), each check's condition only looks up the result.
    """
    problems = _row_problems(df, contract)
    if PROBLEMS_COLUMN not in df.columns:
        return problems, _any(problems)
    found = F.col(PROBLEMS_COLUMN)
    looked_up = [
        replace(check, condition=F.coalesce(F.array_contains(found, index), F.lit(False)))
        for index, check in enumerate(problems)
    ]
    return looked_up, found.isNotNull()


def with_problems(df: DataFrame, contract: Contract) -> DataFrame:
    """``df`` with the numbers of the row-level checks each row fails in ``PROBLEMS_COLUMN`` (null when none).

    The readers add it before caching, so every check runs once per row, as the row is parsed, and a
    sound row costs one test of each condition: no text is built for it.
    """
    problems = _row_problems(df, contract)
    failed = F.filter(
        F.array(*[F.when(check.condition, F.lit(index)) for index, check in enumerate(problems)]),
        lambda number: number.isNotNull(),
    )
    found = F.when(_any(problems), failed) if problems else F.lit(None)
    return df.withColumn(PROBLEMS_COLUMN, found.cast("array<int>"))


def check_compliance(df: DataFrame, contract: Contract) -> ComplianceCheck:
    """Schema violations, plus row counts and row-level violations from ONE Spark aggregation.

    ``df`` should come from ``read_csv``/``read_json``: they parse every column of every record once
    and cache the result. A lazily read CSV/JSON file is only parsed for the columns a query uses, so
    a record with too many fields, or a bad value in an unused column, would go unnoticed.
    """
    query, finish = compliance_query(df, contract)
    return finish(query.collect()[0])


def watch_compliance(df: DataFrame, contract: Contract) -> tuple[DataFrame, Callable[[], ComplianceCheck]]:
    """``df`` counting its rows and every row-level problem as a later action runs it, and the check it gives.

    No pass of its own: the counts are Spark observed metrics of the action (the write of an output),
    exact for the rows that action computed. Place it after any repartitioning, so it runs in the
    action's final stage, and call the function only once the action has succeeded.
    """
    counts, finish = _counting(df, contract)
    observation = Observation(f"compliance of {contract.name}")
    watched = df.observe(observation, *counts)
    return watched, lambda: finish(observation.get)


def find_violations(df: DataFrame, contract: Contract) -> list[Violation]:
    """Every way ``df`` breaks ``contract``: schema differences, nulls in required columns, malformed records,
    broken value rules."""
    return list(check_compliance(df, contract).violations)


def in_contract_order(df: DataFrame, contract: Contract) -> DataFrame:
    """``df``'s columns in contract order (lazy); a missing, unexpected or retyped column raises first.

    Only the schema is looked at: no Spark job runs. The rows are checked as they are written
    (``watch_compliance``), or at once with ``check_output``.
    """
    if schema_violations(df.schema, contract):
        raise ContractViolationError(contract.name, schema_violations(df.schema, contract))
    return df.select(*contract.columns)


def check_output(df: DataFrame, contract: Contract) -> DataFrame:
    """``df`` in contract order if it keeps ``contract``, checked now by one aggregation; any violation raises.

    For a table checked on its own. A job's outputs are checked as they are written instead
    (``kit/steps.write_outputs``), which costs no pass of its own.
    """
    ordered = in_contract_order(df, contract)
    violations = find_violations(ordered, contract)
    if violations:
        raise ContractViolationError(contract.name, violations)
    return ordered


def rejected_rows(df: DataFrame, contract: Contract, run_id: str) -> DataFrame:
    """The rows of ``df`` that break ``contract``, with every reason, the run id, the raw text, the file and
    the exact bytes of values not valid in the declared encoding (lazy).

    The reader's columns a DataFrame lacks are null, so every quarantine has the same columns.
    """
    problems, broken = _checks(df, contract)
    reason = _reason(problems)

    def reader_column(name: str, data_type: str) -> Column:
        return F.col(name) if name in df.columns else F.lit(None).cast(data_type)

    return df.where(broken).select(
        *contract.columns,
        reason.alias(REASON_COLUMN),
        F.lit(run_id).alias(RUN_ID_COLUMN),
        reader_column(CORRUPT_RECORD_COLUMN, "string").alias(RAW_RECORD_COLUMN),
        reader_column(SOURCE_FILE_COLUMN, "string").alias(SOURCE_FILE_COLUMN),
        reader_column(INVALID_BYTES_COLUMN, "map<string,string>").alias(INVALID_BYTES_COLUMN),
    )


def passing_rows(df: DataFrame, contract: Contract, keep: Sequence[str] = ()) -> DataFrame:
    """The rows of ``df`` that keep ``contract``, in contract order, without the reader's columns but ``keep``."""
    return df.where(~_checks(df, contract)[1]).select(*contract.columns, *keep)


def reconcile(dataset: str, rows_in: int, rows_out: int, rows_quarantined: int, location: str) -> None:
    """Every row read is either passed on or in the quarantine; anything else means rows went missing."""
    if rows_in == rows_out + rows_quarantined:
        return
    raise QuarantineMismatchError(
        f"Dataset '{dataset}': {rows_in} rows read, but {rows_out} passed + {rows_quarantined} landed in "
        f"{location} = {rows_out + rows_quarantined}. Nothing was written downstream. Rerun the job; if it "
        "happens again, look for partial files in the quarantine folder."
    )


def require_rows(reports: Iterable[IntakeReport]) -> None:
    """Raise one EmptyInputError naming every input that has no row left to work with (but those that may be
    empty, such as a change feed with no new changes)."""
    empty = []
    for report in reports:
        if report.may_be_empty:
            continue
        if report.rows_in == 0:
            empty.append(f"{report.dataset}: no rows")
        elif report.rows_out == 0:
            empty.append(f"{report.dataset}: all {report.rows_in} rows quarantined in {report.quarantine_path}")
    if empty:
        listing = "\n  ".join(empty)
        raise EmptyInputError(
            f"Inputs without rows:\n  {listing}\nThe job needs every one of them; nothing was written and the "
            "existing output is untouched. Check that the upstream export ran and wrote data rows."
        )
