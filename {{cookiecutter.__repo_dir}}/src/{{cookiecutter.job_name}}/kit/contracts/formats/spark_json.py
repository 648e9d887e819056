"""pyspark: StructType JSON, exactly as ``StructType.jsonValue()`` writes it."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import (
    ArrayType,
    DataType,
    DecimalType,
    MapType,
    StructType,
)

from .common import MAX_DECIMAL_PRECISION, SchemaConversionError, conversion_error, field_path


def from_spark_json(document: dict[str, Any]) -> StructType:
    """A StructType from the JSON ``StructType.jsonValue()`` writes."""
    if not isinstance(document, dict) or document.get("type") != "struct" or "fields" not in document:
        raise SchemaConversionError('a pyspark schema is an object with "type": "struct" and a "fields" list')
    try:
        schema = StructType.fromJson(document)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaConversionError(f"not a valid StructType JSON document: {exc!r}") from None
    _check_decimals(schema, "")
    return schema


def _check_decimals(data_type: DataType, path: str) -> None:
    """pyspark reads any ``decimal(p,s)`` from JSON; Spark refuses the ones it cannot hold only when it uses them."""
    if isinstance(data_type, DecimalType):
        precision, scale = data_type.precision, data_type.scale
        if not 1 <= precision <= MAX_DECIMAL_PRECISION or not 0 <= scale <= precision:
            raise conversion_error(
                path, f"decimal({precision},{scale}) needs 1 <= precision <= 38 and 0 <= scale <= precision"
            )
    elif isinstance(data_type, StructType):
        for struct_field in data_type.fields:
            _check_decimals(struct_field.dataType, field_path(path, struct_field.name))
    elif isinstance(data_type, ArrayType):
        _check_decimals(data_type.elementType, path)
    elif isinstance(data_type, MapType):
        _check_decimals(data_type.keyType, field_path(path, "key"))
        _check_decimals(data_type.valueType, field_path(path, "value"))


def to_spark_json(schema: StructType) -> dict[str, Any]:
    """The JSON ``from_spark_json`` reads back into an equal StructType, metadata included."""
    return schema.jsonValue()
