"""Spark readers. Schemas come from the contracts, never inferred: inference guesses, and guesses drift.

The readers are PERMISSIVE with a corrupt-record column: a record that does not parse keeps its raw
text in ``_corrupt_record`` (and whatever fields did parse), so it is never silently nulled or
dropped; ``kit/io/quarantine.py`` then fails the run or quarantines it. What Spark does, checked on
pyspark 3.3.0, 3.5.6 and 4.1.1:

- Parsing every column, all three flag a CSV row with too few or too many fields, a value that is
  not of its column's type, a broken JSON line and a JSON value of the wrong type.
- But Spark parses only the columns a query uses. A bad value in an unused column goes unnoticed on
  all three; a CSV row with the wrong number of fields is still flagged on 3.3 but not on 3.5 or 4.1.
  A query using only the corrupt-record column is refused for JSON on every version and for CSV on
  4.1; for CSV, 3.3 finds only the rows with a wrong field count and 3.5 silently finds nothing.
- So each reader caches its DataFrame as parsed in full: every later query, whatever columns it
  uses, sees that one parse, and the counts, the quarantine and the good rows always agree.
- Spark 3's time parser policy (EXCEPTION) aborts the whole read on a date such as ``2024-13-45``
  instead of flagging the record. The readers set CORRECTED, Spark 4's default, so it is flagged.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

# Spark 3.3 defines it here; 3.4+ re-export it from pyspark.errors, which 3.3 lacks.
from pyspark.sql.utils import AnalysisException  # type: ignore[attr-defined,unused-ignore]

from ..contracts import Contract
from ..contracts.compliance import (
    CORRUPT_RECORD_COLUMN,
    MISSING_COLUMN,
    UNEXPECTED_COLUMN,
    ContractViolationError,
    Violation,
)

CORRUPT_RECORD_FIELD = StructField(CORRUPT_RECORD_COLUMN, StringType(), True)


class InputNotFoundError(FileNotFoundError):
    """The input path does not exist (or a glob matches nothing)."""


def _parse_permissively(spark: SparkSession) -> None:
    # Spark 4's default; on Spark 3 an impossible date would otherwise abort the read, not flag the record.
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")


def _load(path: str, load: Callable[[], DataFrame]) -> DataFrame:
    """Run ``load``; a path that does not exist becomes an error naming it."""
    try:
        return load()
    except AnalysisException as exc:
        if "Path does not exist" not in str(exc):
            raise
        raise InputNotFoundError(
            f"Input path {path} does not exist. Check the job's input path argument and that the upstream "
            "export has run."
        ) from None


def _parsed_in_full(df: DataFrame, contract: Contract) -> DataFrame:
    """Contract columns in contract order, then the corrupt-record column; cached so Spark parses it all once."""
    return df.select(*contract.columns, CORRUPT_RECORD_COLUMN).persist(StorageLevel.MEMORY_AND_DISK)


def csv_header(spark: SparkSession, path: str) -> list[str] | None:
    """The column names in the first line of the CSV files under ``path``, as text; None when there is none."""
    lines = _load(path, lambda: spark.read.text(path)).where(F.trim("value") != "").limit(1).collect()
    return next(csv.reader([lines[0]["value"]])) if lines else None


def header_violations(header: list[str], contract: Contract) -> list[Violation]:
    """Missing and unexpected columns of a CSV header (by name: the order may differ from the contract's)."""
    expected = set(contract.columns)
    violations = [
        Violation(
            MISSING_COLUMN,
            name,
            f"the contract's {contract.field(name).dataType.simpleString()} column is not in the CSV header",
        )
        for name in contract.columns
        if name not in header
    ]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            continue
        seen.add(name)
        if name not in expected:
            violations.append(Violation(UNEXPECTED_COLUMN, name, "column in the CSV header is not in the contract"))
        elif header.count(name) > 1:
            violations.append(Violation(UNEXPECTED_COLUMN, name, f"appears {header.count(name)} times in the header"))
    return violations


# How Spark (3.3 to 4.1) reports a file whose header differs from the first file's (enforceSchema=False).
OTHER_FILE_HEADER = re.compile(
    r"CSV header does not conform to the schema\.\s*Header: (?P<header>[^\n]*)\n.*?CSV file: (?P<file>\S+)", re.DOTALL
)


def _materialised(df: DataFrame, contract: Contract, path: str) -> DataFrame:
    """Fill the reader's cache now, so a later file whose header differs is reported here, by name.

    Only the first file's header is read before the data; Spark checks every other file as it reads
    it and fails with a stack trace. That failure becomes the same ContractViolationError, naming the file.
    """
    try:
        df.count()
    except Exception as exc:
        found = OTHER_FILE_HEADER.search(str(exc))
        if found is None:
            raise
        df.unpersist()
        header = [name.strip() for name in found["header"].split(",")]
        problems = header_violations(header, contract) or [
            Violation(UNEXPECTED_COLUMN, None, "the columns are in another order than in the first file's header")
        ]
        note = (
            f"CSV header of {found['file']}: {','.join(header)}. Every file under {path} must have the same "
            "header as the first one."
        )
        raise ContractViolationError(contract.name, problems, note=note) from None
    return df


def read_csv(spark: SparkSession, path: str, contract: Contract) -> DataFrame:
    """Read the CSV files under ``path`` (with a header) as ``contract`` says; never infer.

    The header is checked first: missing and unexpected columns raise one ContractViolationError.
    Columns are matched by name, so a reordered header reads correctly; every other file must have
    the same header (a file whose header differs raises the same error, naming the file). Rows that
    do not parse keep their text in ``_corrupt_record``. Spark rounds a decimal with more fraction
    digits than the contract's scale (``8.123`` as ``decimal(10,2)`` reads as ``8.12``); values too
    large for the precision are flagged. The result is cached (see the module docstring).
    """
    _parse_permissively(spark)
    header = csv_header(spark, path)
    if header is None:
        file_order = contract.columns  # no data at all: an empty DataFrame with the contract's schema
    else:
        problems = header_violations(header, contract)
        if problems:
            raise ContractViolationError(contract.name, problems, note=f"CSV header of {path}: {','.join(header)}")
        file_order = header
    schema = StructType([contract.field(name) for name in file_order] + [CORRUPT_RECORD_FIELD])
    reader = (
        spark.read.schema(schema)
        .option("header", True)
        .option("enforceSchema", False)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_RECORD_COLUMN)
    )
    return _materialised(_parsed_in_full(_load(path, lambda: reader.csv(path)), contract), contract, path)


def read_json(spark: SparkSession, path: str, contract: Contract) -> DataFrame:
    """Read JSON lines under ``path`` as ``contract`` says; never infer.

    Keys the contract does not list are ignored, as a BACKWARD-compatible reader does: producers may
    add fields before consumers know them. A missing key reads as null, which the required-column
    check catches. A broken line, or a value of the wrong type, keeps its text in ``_corrupt_record``.
    The result is cached (see the module docstring).
    """
    _parse_permissively(spark)
    schema = StructType([*contract.schema.fields, CORRUPT_RECORD_FIELD])
    reader = (
        spark.read.schema(schema)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_RECORD_COLUMN)
    )
    return _parsed_in_full(_load(path, lambda: reader.json(path)), contract)
