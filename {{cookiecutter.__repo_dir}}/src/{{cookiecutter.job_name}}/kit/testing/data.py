"""Test data from a contract: valid rows built from its types, and mutators that break them one way at a time.

A test states only what it cares about: ``valid_row(contract, 2, name=None)`` is row 2 of
deterministic valid values with ``name`` overridden. Rows become files with ``csv_text`` and
``json_lines``; the mutators turn a valid row, schema or line into each kind of invalid one.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pyspark.sql.types import (
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from ..contracts import Contract

Row = dict[str, object]

FIRST_DAY = date(2024, 1, 1)
FIRST_MOMENT = datetime(2024, 1, 1, 9, 0)
# A value that parses as no number, date or timestamp.
UNPARSABLE = "not-a-value"


def value_for(field: StructField, index: int) -> object:
    """A valid value of ``field``'s type, different for each row ``index`` (from 0), the same on every call."""
    data_type = field.dataType
    if isinstance(data_type, (IntegerType, LongType, ShortType, ByteType)):
        return index + 1
    if isinstance(data_type, StringType):
        return f"{field.name}-{index + 1}"
    if isinstance(data_type, DecimalType):
        return (Decimal(index + 1) + Decimal("0.25")).quantize(Decimal(1).scaleb(-data_type.scale))
    if isinstance(data_type, (DoubleType, FloatType)):
        return index + 0.5
    if isinstance(data_type, BooleanType):
        return index % 2 == 0
    if isinstance(data_type, DateType):
        return FIRST_DAY + timedelta(days=index)
    if isinstance(data_type, TimestampType):
        return FIRST_MOMENT + timedelta(days=index, minutes=index)
    raise TypeError(f"contract_data has no values for {data_type.simpleString()} ({field.name}); add them to value_for")


def valid_row(contract: Contract, index: int = 0, **overrides: object) -> Row:
    """Row ``index`` of valid values for every contract column, with ``overrides`` by column name."""
    unknown = sorted(set(overrides) - set(contract.columns))
    if unknown:
        raise TypeError(f"{unknown} are not columns of {contract.name}: {contract.columns}")
    return {field.name: overrides.get(field.name, value_for(field, index)) for field in contract.schema.fields}


def valid_rows(contract: Contract, count: int) -> list[Row]:
    return [valid_row(contract, index) for index in range(count)]


def _text(value: object) -> str:
    """A value as a CSV field: empty for null, ISO for dates and times, as written otherwise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def csv_text(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> str:
    """A CSV file with a header: ``columns`` (default: the first row's keys) and one line per row."""
    header = list(columns if columns is not None else rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_text(row.get(name)) for name in header] for row in rows])
    return buffer.getvalue()


def _json_value(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)  # a JSON number, digit for digit
    if isinstance(value, (date, datetime)):
        return json.dumps(value.isoformat())
    return json.dumps(value)


def json_lines(rows: Iterable[Mapping[str, object]]) -> str:
    """One JSON object per row and line, keys in row order."""
    return "".join(
        "{" + ", ".join(f"{json.dumps(name)}: {_json_value(value)}" for name, value in row.items()) + "}\n"
        for row in rows
    )


def write_file(folder: Path, name: str, text: str) -> Path:
    """``text`` as ``folder/name``; returns the folder, which is what the readers take."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


# Mutators: each returns a new value and leaves its input as it was.


def age_files(folder: Path, seconds: float) -> None:
    """Make every file under ``folder`` look ``seconds`` older, as if written before the next run started."""
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def drop_column(row: Mapping[str, object], column: str) -> Row:
    return {name: value for name, value in row.items() if name != column}


def add_column(row: Mapping[str, object], column: str, value: object = "extra") -> Row:
    return {**row, column: value}


def retype_value(row: Mapping[str, object], column: str, value: object = UNPARSABLE) -> Row:
    """The row with ``column`` holding a value its type cannot take."""
    return {**row, column: value}


def null_value(row: Mapping[str, object], column: str) -> Row:
    return {**row, column: None}


def csv_extra_token(line: str, token: str = "EXTRA") -> str:
    """A CSV line with one field more than its header."""
    return f"{line},{token}"


def csv_missing_token(line: str) -> str:
    """A CSV line with its last field (and that field's separator) gone."""
    return line.rsplit(",", 1)[0]


def corrupt_json_line(line: str) -> str:
    """A JSON object cut short: its closing brace is gone."""
    return line.rstrip().removesuffix("}")


def mutate_line(text: str, line_number: int, mutator: Callable[[str], str]) -> str:
    """``text`` with line ``line_number`` (0 is a CSV file's header) passed through ``mutator``."""
    lines = text.splitlines()
    lines[line_number] = mutator(lines[line_number])
    return "".join(line + "\n" for line in lines)


def without_field(schema: StructType, name: str) -> StructType:
    return StructType([field for field in schema.fields if field.name != name])


def with_field(schema: StructType, field: StructField) -> StructType:
    return StructType([*schema.fields, field])


def retyped(schema: StructType, name: str, data_type: DataType) -> StructType:
    return StructType(
        [
            StructField(field.name, data_type, field.nullable, field.metadata) if field.name == name else field
            for field in schema.fields
        ]
    )
