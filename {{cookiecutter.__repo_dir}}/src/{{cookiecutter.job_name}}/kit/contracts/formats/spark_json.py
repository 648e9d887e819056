"""pyspark: StructType JSON, exactly as ``StructType.jsonValue()`` writes it."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import (
    StructType,
)

from .common import SchemaConversionError


def from_spark_json(document: dict[str, Any]) -> StructType:
    """A StructType from the JSON ``StructType.jsonValue()`` writes."""
    if not isinstance(document, dict) or document.get("type") != "struct" or "fields" not in document:
        raise SchemaConversionError('a pyspark schema is an object with "type": "struct" and a "fields" list')
    try:
        return StructType.fromJson(document)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaConversionError(f"not a valid StructType JSON document: {exc!r}") from None


def to_spark_json(schema: StructType) -> dict[str, Any]:
    """The JSON ``from_spark_json`` reads back into an equal StructType, metadata included."""
    return schema.jsonValue()
