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

What else they do, so that nothing is repaired or lost without a word:

- **Bytes are read as they are.** Spark decodes a file with the declared charset and replaces a
  byte that is not valid in it with U+FFFD: the original is gone. So the readers decode every file as
  ISO-8859-1 (one character per byte, lossless), then decode each string value with the declared
  encoding themselves. A value that is not valid in it keeps its exact bytes, base64, in
  ``_invalid_bytes`` (column -> base64) and the row is malformed; the value shows U+FFFD for each
  byte that is not ASCII. This needs an ASCII-compatible encoding: UTF-8, US-ASCII or ISO-8859-1.
- **CSV records may span lines** (``multiLine``): a quoted field with a line break is one record, as
  RFC 4180 allows, not two broken fragments. A file is then read by one task: it cannot be split.
- **Files that are not data are skipped by name.** Spark skips names starting with ``_`` or ``.``
  (``_SUCCESS``, ``.crc``); an input's ``skip`` globs (``jobs/<job>.json``) name any others, such as
  ``*.txt``. Every other file is data: one whose header differs is a contract error naming the file.
- **Every row knows its file** (``_source_file``), and a malformed CSV record says which values did
  not parse (``_malformed_detail``, e.g. ``orderDate '01/05/2024' is not a valid date``).
"""

from __future__ import annotations

import csv
import logging
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import reduce
from typing import Any, TypeVar

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

# Spark 3.3 defines it here; 3.4+ re-export it from pyspark.errors, which 3.3 lacks.
from pyspark.sql.utils import AnalysisException  # type: ignore[attr-defined,unused-ignore]

from ..contracts import Contract
from ..contracts.compliance import (
    CORRUPT_RECORD_COLUMN,
    INVALID_BYTES_COLUMN,
    MALFORMED_DETAIL_COLUMN,
    MISSING_COLUMN,
    SOURCE_BLOCK_COLUMN,
    SOURCE_FILE_COLUMN,
    SOURCE_ROW_COLUMN,
    UNEXPECTED_COLUMN,
    ContractViolationError,
    Violation,
    with_problems,
)
from .hadoop_fs import hadoop_path, jvm

LOG = logging.getLogger(__name__)
T = TypeVar("T")
# Chooses which of an input's listed files (path -> last-modified milliseconds) a run reads.
Admit = Callable[[Mapping[str, int]], Sequence[str]]
CORRUPT_RECORD_FIELD = StructField(CORRUPT_RECORD_COLUMN, StringType(), True)
# How Spark reads the bytes: one character per byte, so nothing is lost before the declared encoding is applied.
BYTE_CHARSET = "ISO-8859-1"
ENCODINGS = ("UTF-8", "US-ASCII", "ISO-8859-1")
DETAIL_VALUE_LENGTH = 60
SKIP_HINT = (
    "If that file is not data, skip it by name: add a glob for it to the input's 'skip' in the job's declaration."
)


class InputNotFoundError(FileNotFoundError):
    """The input path does not exist (or a glob matches nothing)."""


def _parse_permissively(spark: SparkSession) -> None:
    # Spark 4's default; on Spark 3 an impossible date would otherwise abort the read, not flag the record.
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")


def check_encoding(encoding: str) -> str:
    """``encoding`` if the readers can keep its invalid bytes (an ASCII-compatible one), else a clear error."""
    if encoding not in ENCODINGS:
        raise ValueError(
            f"Encoding {encoding!r} is not supported: choose one of {', '.join(ENCODINGS)}. The readers keep the exact "
            "bytes of invalid values, which needs an encoding where the delimiters are single ASCII bytes."
        )
    return encoding


def _file_above(fs: Any, path: Any) -> str | None:
    """The nearest ancestor of ``path`` that is a file, if any: why a path under it cannot exist."""
    parent = path.getParent()
    while parent is not None:
        if fs.exists(parent):
            return str(parent.toString()) if fs.getFileStatus(parent).isFile() else None
        parent = parent.getParent()
    return None


def input_files(spark: SparkSession, path: str, skip: Sequence[str] = (), missing_ok: bool = False) -> list[str]:
    """The data files under ``path`` (a folder, a prefix, a file or a glob), without the ones ``skip`` names:
    ``listed_files``, sorted."""
    return sorted(listed_files(spark, path, skip, missing_ok))


def listed_files(spark: SparkSession, path: str, skip: Sequence[str] = (), missing_ok: bool = False) -> dict[str, int]:
    """The data files under ``path`` (a folder, a prefix, a file or a glob), without the ones ``skip`` names,
    each with its last-modified time (milliseconds since the epoch, as the filesystem reports it).

    Names starting with ``_`` or ``.`` are skipped, as Spark does; ``skip`` holds globs matched against
    file names (``*.txt``). A path that does not exist is an error saying so, and saying which part of
    it is a file when that is why; with ``missing_ok`` it has no files, as an empty folder has: the readers
    return no rows.
    """
    fs, root = hadoop_path(spark, path)
    matches = fs.globStatus(root)
    if not matches and missing_ok and _file_above(fs, root) is None:
        LOG.warning("%s does not exist: read as an input with no rows", path)
        return {}
    if not matches:
        file = _file_above(fs, root)
        why = (
            f": {file} is a file, not a folder. Pass the folder (or s3:// prefix) that holds the input's files."
            if file
            else ". Check the job's input path argument and that the upstream export has run."
        )
        raise InputNotFoundError(f"Input path {path} does not exist{why}")
    found: dict[str, int] = {}
    skipped: list[str] = []
    for match in matches:
        prefix = match.getPath().toString()
        listing = fs.listFiles(match.getPath(), True)
        while listing.hasNext():
            status = listing.next()
            file = status.getPath().toString()
            parts = [part for part in file[len(prefix) :].split("/") if part] or [posixpath.basename(file)]
            if any(part.startswith(("_", ".")) for part in parts):
                continue
            if any(fnmatchcase(parts[-1], glob) for glob in skip):
                skipped.append(file)
            else:
                found[file] = int(status.getModificationTime())
    if skipped:
        LOG.info("%s: skipped %d files named by %s: %s", path, len(skipped), list(skip), ", ".join(skipped[:5]))
    return found


def _admitted(spark: SparkSession, path: str, skip: Sequence[str], missing_ok: bool, admit: Admit | None) -> list[str]:
    """The files under ``path`` to read: all of them, or those ``admit`` chooses from them (in listing order)."""
    listed = listed_files(spark, path, skip, missing_ok)
    if admit is None:
        return sorted(listed)
    chosen = set(admit(listed))
    unknown = sorted(chosen - set(listed))
    if unknown:
        raise ValueError(f"{path}: asked to read {unknown[:3]}, which are not among its listed files")
    return sorted(chosen)


def _load(path: str, load: Callable[[], DataFrame]) -> DataFrame:
    """Run ``load``; a path that vanished since it was listed becomes an error naming it."""
    try:
        return load()
    except AnalysisException as exc:
        if "Path does not exist" not in str(exc):
            raise
        raise InputNotFoundError(
            f"Input path {path} does not exist. Check the job's input path argument and that the upstream "
            "export has run."
        ) from None


def _no_rows(spark: SparkSession, schema: StructType) -> DataFrame:
    return spark.createDataFrame([], schema)


def _valid(raw: Column, encoding: str) -> Column:
    """Whether the bytes of ``raw`` (read one character per byte) are valid in ``encoding``.

    ASCII is valid in every supported encoding and is the cheap common case: a string whose UTF-8 form
    is as long as it has characters.
    """
    if encoding == BYTE_CHARSET:
        return F.lit(True)
    ascii_only = F.octet_length(raw) == F.length(raw)
    if encoding == "US-ASCII":
        return ascii_only
    raw_bytes = F.encode(raw, BYTE_CHARSET)
    if hasattr(F, "is_valid_utf8"):
        # Spark 4: decode() raises on invalid bytes instead of replacing them, so check first (a cast from
        # binary to string keeps the bytes as they are).
        valid: Column = ascii_only | F.is_valid_utf8(raw_bytes.cast("string"))
        return valid
    # Spark 3: decode() replaces invalid bytes, so a value is valid when its decoded text encodes back to them.
    return ascii_only | (F.encode(F.decode(raw_bytes, encoding), encoding) == raw_bytes)


def _text(raw: Column, valid: Column, encoding: str) -> Column:
    """The text of ``raw`` in ``encoding``, given whether it is ``valid`` there; U+FFFD for each byte beyond
    ASCII of an invalid value."""
    if encoding == BYTE_CHARSET:
        return raw
    replaced = F.regexp_replace(raw, "[^\\x00-\\x7F]", "\ufffd")
    if encoding == "US-ASCII":
        return F.when(valid, raw).otherwise(replaced)
    ascii_only = F.octet_length(raw) == F.length(raw)
    return F.when(ascii_only, raw).when(valid, F.decode(F.encode(raw, BYTE_CHARSET), encoding)).otherwise(replaced)


# The readers' working columns, dropped before the result: the double underscore keeps them off any contract.
VALID_PREFIX = "__valid_"
FIELDS_COLUMN = "__fields"


def _as_read(
    df: DataFrame,
    contract: Contract,
    encoding: str,
    detail: Callable[[DataFrame], DataFrame] | None,
    positions: bool = False,
) -> DataFrame:
    """Contract columns in contract order with their text decoded, then the reader's own columns, the
    checks each row fails among them; cached. With ``positions``, each row also keeps where it stood in
    its file (``SOURCE_BLOCK_COLUMN``, ``SOURCE_ROW_COLUMN``), taken in the scan itself: Spark keeps no row
    order after it.

    Cached so that Spark parses every record, and checks it, once (see the module docstring). Built in
    steps, each naming what the next one uses: every check runs once per row, and the plan stays small.
    """
    strings = [name for name in contract.columns if isinstance(contract.field(name).dataType, StringType)]
    strings.append(CORRUPT_RECORD_COLUMN)

    def valid(name: str) -> Column:
        return F.col(VALID_PREFIX + name)

    def invalid(name: str) -> Column:
        return F.col(name).isNotNull() & ~valid(name)

    checked = df.select(
        *df.columns,
        *[_valid(F.col(name), encoding).alias(VALID_PREFIX + name) for name in strings],
        F.input_file_name().alias(SOURCE_FILE_COLUMN),
        # The SQL function, not F.input_file_block_start: pyspark 3.3 (Glue 4.0) has no Python wrapper for it.
        *([F.expr("input_file_block_start()").alias(SOURCE_BLOCK_COLUMN)] if positions else []),
        *([F.monotonically_increasing_id().alias(SOURCE_ROW_COLUMN)] if positions else []),
    )
    pairs = [
        part
        for name in strings
        for part in (F.lit(name), F.when(invalid(name), F.base64(F.encode(F.col(name), BYTE_CHARSET))))
    ]
    bytes_by_column = F.map_filter(F.create_map(*pairs), lambda _, value: value.isNotNull())
    decoded = checked.select(
        *[
            _text(F.col(name), valid(name), encoding).alias(name) if name in strings else name
            for name in contract.columns
        ],
        _text(F.col(CORRUPT_RECORD_COLUMN), valid(CORRUPT_RECORD_COLUMN), encoding).alias(CORRUPT_RECORD_COLUMN),
        SOURCE_FILE_COLUMN,
        *([SOURCE_BLOCK_COLUMN, SOURCE_ROW_COLUMN] if positions else []),
        F.when(reduce(lambda left, right: left | right, map(invalid, strings)), bytes_by_column).alias(
            INVALID_BYTES_COLUMN
        ),
    )
    read = detail(decoded) if detail else decoded.withColumn(MALFORMED_DETAIL_COLUMN, F.lit(None).cast("string"))
    return with_problems(read, contract).persist(StorageLevel.MEMORY_AND_DISK)


def _with_csv_malformed_detail(contract: Contract, file_order: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """For a record that did not parse: which of its values are not of their column's type, or that its
    fields do not line up with the header. Null for the records that parsed (computed only for the others).

    Its text (``_corrupt_record``, decoded) is split once, as strings, and each typed column that came out
    null while its text is not blank names the value."""
    extra = "_extra_field"
    as_text = ", ".join(f"`{name}` STRING" for name in [*file_order, extra])
    corrupt = F.col(CORRUPT_RECORD_COLUMN)
    fields = F.col(FIELDS_COLUMN)
    reasons = []
    for name in file_order:
        data_type = contract.field(name).dataType
        if isinstance(data_type, StringType):
            continue
        value = fields.getField(name)
        type_name = data_type.simpleString()
        reasons.append(
            F.when(
                F.col(name).isNull() & value.isNotNull() & (F.trim(value) != ""),
                F.concat(
                    F.lit(f"{name} '"),
                    F.substring(value, 1, DETAIL_VALUE_LENGTH),
                    F.lit(f"' is not a valid {type_name}"),
                ),
            )
        )
    reasons.append(
        F.when(
            fields.getField(extra).isNotNull(),
            F.lit(f"more fields than the header's {len(file_order)}"),
        )
    )
    found = F.concat_ws("; ", *reasons)
    fallback = F.lit(
        f"the fields do not line up with the header's {len(file_order)} columns: look for a missing or extra "
        "delimiter, or an unclosed quote"
    )

    def add(df: DataFrame) -> DataFrame:
        split = df.withColumn(FIELDS_COLUMN, F.when(corrupt.isNotNull(), F.from_csv(corrupt, as_text)))
        detail = F.when(fields.isNotNull(), F.when(found != "", found).otherwise(fallback))
        return split.withColumn(MALFORMED_DETAIL_COLUMN, detail).drop(FIELDS_COLUMN)

    return add


def _first_line(spark: SparkSession, file: str) -> str | None:
    """The first non-blank line of ``file`` (decompressed by its codec, as Spark reads it), without a Spark job."""
    fs, path = hadoop_path(spark, file)
    java = jvm(spark)
    stream = fs.open(path)
    codecs = java.org.apache.hadoop.io.compress.CompressionCodecFactory(spark.sparkContext._jsc.hadoopConfiguration())
    codec = codecs.getCodec(path)
    if codec is not None:
        stream = codec.createInputStream(stream)
    lines = java.java.io.BufferedReader(java.java.io.InputStreamReader(stream, "UTF-8"))
    try:
        while (line := lines.readLine()) is not None:
            if line.strip():
                return str(line)
        return None
    finally:
        lines.close()


def _as_spark_names(file: str) -> str:
    """A local file as Spark names it in ``input_file_name`` and its messages (``file:///a``, not ``file:/a``)."""
    return re.sub(r"^file:/(?!/)", "file:///", file)


def csv_header(spark: SparkSession, files: Sequence[str]) -> tuple[str, list[str]] | None:
    """(file, column names) of the first non-blank line among ``files``; None when there is none.

    Read through the Hadoop FileSystem, not as a Spark job: it is one line.
    """
    for file in files:
        line = _first_line(spark, file)
        if line is not None:
            return _as_spark_names(file), [name.strip() for name in next(csv.reader([line.lstrip("\ufeff")]))]
    return None


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


# How Spark (3.3 to 4.1) reports a file whose header differs from the first file's (enforceSchema=False):
# with the same number of columns it quotes the header; with another number, only the counts.
OTHER_FILE_HEADER = re.compile(
    r"CSV header does not conform to the schema\.\s*Header: (?P<header>[^\n]*)\n.*?CSV file: (?P<file>\S+)", re.DOTALL
)
OTHER_FILE_WIDTH = re.compile(
    r"Number of column in CSV header is not equal to number of fields in the schema:.*?CSV file: (?P<file>\S+)",
    re.DOTALL,
)


@dataclass(frozen=True)
class SourceRead:
    """One input opened against its contract: its DataFrame (cached, filled by the first action on it) and
    what a later file's header error needs to be reported by name."""

    df: DataFrame
    contract: Contract
    path: str
    first_file: str


def _plain(location: str) -> str:
    """``file:///a/b`` and ``file:/a/b`` -> ``/a/b``: Spark's messages and Hadoop listings spell schemes apart."""
    return re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*:/*", "/", location)


def fill(spark: SparkSession, reads: Sequence[SourceRead], action: Callable[[], T]) -> T:
    """Run ``action``, which fills the caches of ``reads``; a later file whose header differs becomes a
    ContractViolationError naming the file and its input.

    Only the first file's header is read before the data; Spark checks every other file as it reads
    it and fails with a stack trace. That failure becomes the same ContractViolationError as a bad
    first header.
    """
    try:
        return action()
    except Exception as exc:
        message = str(exc)
        found = OTHER_FILE_HEADER.search(message) or OTHER_FILE_WIDTH.search(message)
        if found is None:
            raise
        for read in reads:
            read.df.unpersist()
        file = found["file"]
        source = next(
            (read for read in reads if _plain(file).startswith(_plain(read.path).rstrip("/") + "/")), reads[0]
        )
        header_read = csv_header(spark, [file])
        header = header_read[1] if header_read else []
        problems = header_violations(header, source.contract) or [
            Violation(UNEXPECTED_COLUMN, None, "the columns are in another order than in the first file's header")
        ]
        note = (
            f"CSV header of {file}: {','.join(header)}. Every data file under {source.path} must have the same "
            f"header as the first one ({source.first_file}). {SKIP_HINT}"
        )
        raise ContractViolationError(source.contract.name, problems, note=note) from None


def read_csv(
    spark: SparkSession, path: str, contract: Contract, *, encoding: str = "UTF-8", skip: Sequence[str] = ()
) -> DataFrame:
    """Read the CSV files under ``path`` (with a header) as ``contract`` says, now: ``open_csv``, then filled."""
    read = open_csv(spark, path, contract, encoding=encoding, skip=skip)
    fill(spark, [read], read.df.count)
    return read.df


def open_csv(
    spark: SparkSession,
    path: str,
    contract: Contract,
    *,
    encoding: str = "UTF-8",
    skip: Sequence[str] = (),
    positions: bool = False,
    missing_ok: bool = False,
    admit: Admit | None = None,
) -> SourceRead:
    """Open the CSV files under ``path`` (with a header) as ``contract`` says; never infer. Nothing is parsed
        until an action runs on the result's DataFrame (under ``fill``, which names a file with another header).

        The header is checked first: missing and unexpected columns raise one ContractViolationError.
        Columns are matched by name, so a reordered header reads correctly; every other file must have
        the same header (a file whose header differs raises the same error, naming the file). Records may
        span lines (quoted line breaks). Rows that do not parse keep their text in ``_corrupt_record``
        and say why in ``_malformed_detail``. Spark rounds a decimal with more fraction digits than the
        contract's scale (``8.123`` as ``decimal(10,2)`` reads as ``8.12``); values too large for the
        precision are flagged. With ``positions``, each row keeps its place in its file (``_as_read``); with
        ``missing_ok``, a ``path`` that does not exist reads as no rows; with ``admit``, only the files it returns are
    read (given each file's last-modified time: the bookmarks pattern). The result is cached (see the module docstring).
    """
    _parse_permissively(spark)
    check_encoding(encoding)
    files = _admitted(spark, path, skip, missing_ok, admit)
    found = csv_header(spark, files) if files else None
    if found is None:
        first_file, file_order = path, contract.columns  # no data: an empty DataFrame with the contract's schema
    else:
        first_file, header = found
        problems = header_violations(header, contract)
        if problems:
            raise ContractViolationError(
                contract.name, problems, note=f"CSV header of {first_file}: {','.join(header)}. {SKIP_HINT}"
            )
        file_order = header
    schema = StructType([contract.field(name) for name in file_order] + [CORRUPT_RECORD_FIELD])
    reader = (
        spark.read.schema(schema)
        .option("header", True)
        .option("enforceSchema", False)
        .option("multiLine", True)
        .option("encoding", BYTE_CHARSET)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_RECORD_COLUMN)
    )
    detail = _with_csv_malformed_detail(contract, file_order)
    df = _as_read(
        _load(path, lambda: reader.csv(files) if files else _no_rows(spark, schema)),
        contract,
        encoding,
        detail,
        positions,
    )
    return SourceRead(df, contract, path, first_file)


def read_json(
    spark: SparkSession, path: str, contract: Contract, *, encoding: str = "UTF-8", skip: Sequence[str] = ()
) -> DataFrame:
    """Read JSON lines under ``path`` as ``contract`` says, now: ``open_json``, then filled."""
    read = open_json(spark, path, contract, encoding=encoding, skip=skip)
    fill(spark, [read], read.df.count)
    return read.df


def open_json(
    spark: SparkSession,
    path: str,
    contract: Contract,
    *,
    encoding: str = "UTF-8",
    skip: Sequence[str] = (),
    positions: bool = False,
    missing_ok: bool = False,
    admit: Admit | None = None,
) -> SourceRead:
    """Open JSON lines under ``path`` as ``contract`` says; never infer. Nothing is parsed until an action runs.

    Keys the contract does not list are ignored, as a BACKWARD-compatible reader does: producers may
    add fields before consumers know them. A missing key reads as null, which the required-column
    check catches. A broken line, or a value of the wrong type, keeps its text in ``_corrupt_record``.
    Only top-level string values are checked against the encoding. ``positions``, ``missing_ok`` and ``admit`` as
    for ``open_csv``. The result is cached (see the module docstring).
    """
    _parse_permissively(spark)
    check_encoding(encoding)
    files = _admitted(spark, path, skip, missing_ok, admit)
    schema = StructType([*contract.schema.fields, CORRUPT_RECORD_FIELD])
    reader = (
        spark.read.schema(schema)
        .option("encoding", BYTE_CHARSET)
        .option("lineSep", "\n")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_RECORD_COLUMN)
    )
    df = _as_read(
        _load(path, lambda: reader.json(files) if files else _no_rows(spark, schema)),
        contract,
        encoding,
        None,
        positions,
    )
    return SourceRead(df, contract, path, files[0] if files else path)
