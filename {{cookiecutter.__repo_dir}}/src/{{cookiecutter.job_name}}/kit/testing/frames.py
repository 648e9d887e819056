"""A DataFrame from plain tuples and a schema: expected rows written out in the test, typed exactly."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

# Python type each SQL type takes; values are checked against it, as createDataFrame would.
PYTHON_TYPES: dict[str, type] = {"int": int, "bigint": int, "string": str, "decimal": Decimal, "date": date}


def _columns(schema: StructType | str) -> list[tuple[str, str]]:
    if isinstance(schema, StructType):
        return [(field.name, field.dataType.simpleString()) for field in schema.fields]
    return re.findall(r"(\w+)\s+(\w+(?:\(\d+,\s*\d+\))?)", schema)


def _sql_literal(value: object, sql_type: str) -> str:
    if value is None:
        return "NULL"
    expected = PYTHON_TYPES.get(sql_type.split("(")[0])
    if expected is None:
        raise TypeError(f"frame() does not support {sql_type} columns; add it to PYTHON_TYPES")
    if not isinstance(value, expected) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not a {sql_type}")
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, date):
        return f"DATE'{value.isoformat()}'"
    return f"'{value}'" if isinstance(value, Decimal) else str(value)


def frame(spark: SparkSession, schema: StructType | str, rows: Iterable[Sequence[object]]) -> DataFrame:
    """A DataFrame of ``rows`` typed by ``schema``: a StructType, or DDL such as ``"id int, price decimal(10,2)"``.

    Built as a SQL VALUES list rather than with createDataFrame: no Python worker takes part, so
    each action on it runs several times faster, which adds up over a test suite.
    """
    columns = _columns(schema)
    values = []
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"row {row!r} has {len(row)} values for {len(columns)} columns")
        literals = [_sql_literal(value, sql_type) for value, (_, sql_type) in zip(row, columns, strict=True)]
        values.append("(" + ", ".join(literals) + ")")
    placeholders = [f"c{index}" for index in range(len(columns))]
    select = ", ".join(
        f"CAST({alias} AS {sql_type}) AS `{name}`"
        for alias, (name, sql_type) in zip(placeholders, columns, strict=True)
    )
    # VALUES needs one row; an empty table is one row of nulls, filtered out.
    source = ", ".join(values) if values else "(" + ", ".join(["NULL"] * len(columns)) + ")"
    where = "" if values else " WHERE FALSE"
    return spark.sql(f"SELECT {select} FROM VALUES {source} AS t({', '.join(placeholders)}){where}")
