"""pyspark: StructType JSON, exactly as ``StructType.jsonValue()`` writes it (a column's rules sit in its metadata)."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import (
    ArrayType,
    DataType,
    DecimalType,
    MapType,
    StructField,
    StructType,
)

from .common import MAX_DECIMAL_PRECISION, RULES, SchemaConversionError, conversion_error, field_path, rule_metadata


def from_spark_json(document: dict[str, Any]) -> StructType:
    """A StructType from the JSON ``StructType.jsonValue()`` writes."""
    if not isinstance(document, dict) or document.get("type") != "struct" or "fields" not in document:
        raise SchemaConversionError('a pyspark schema is an object with "type": "struct" and a "fields" list')
    try:
        schema = StructType.fromJson(document)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaConversionError(f"not a valid StructType JSON document: {exc!r}") from None
    _check_nested(schema, "")
    return StructType([_with_checked_rules(struct_field) for struct_field in schema.fields])


def _with_checked_rules(struct_field: StructField) -> StructField:
    """A top-level field with its rules checked against its type (and none kept if it has none)."""
    metadata = {key: value for key, value in struct_field.metadata.items() if key != RULES}
    metadata.update(rule_metadata(struct_field.name, struct_field.metadata.get(RULES), struct_field.dataType))
    return StructField(struct_field.name, struct_field.dataType, struct_field.nullable, metadata)


def _check_nested(data_type: DataType, path: str) -> None:
    """pyspark reads any ``decimal(p,s)`` from JSON; Spark refuses the ones it cannot hold only when it uses them.

    Rules belong to top-level columns, so a nested field's are refused too.
    """
    if isinstance(data_type, DecimalType):
        precision, scale = data_type.precision, data_type.scale
        if not 1 <= precision <= MAX_DECIMAL_PRECISION or not 0 <= scale <= precision:
            raise conversion_error(
                path, f"decimal({precision},{scale}) needs 1 <= precision <= 38 and 0 <= scale <= precision"
            )
    elif isinstance(data_type, StructType):
        for struct_field in data_type.fields:
            nested_path = field_path(path, struct_field.name)
            if path:
                rule_metadata(nested_path, struct_field.metadata.get(RULES), struct_field.dataType, nested=True)
            _check_nested(struct_field.dataType, nested_path)
    elif isinstance(data_type, ArrayType):
        _check_nested(data_type.elementType, path)
    elif isinstance(data_type, MapType):
        _check_nested(data_type.keyType, field_path(path, "key"))
        _check_nested(data_type.valueType, field_path(path, "value"))


def to_spark_json(schema: StructType) -> dict[str, Any]:
    """The JSON ``from_spark_json`` reads back into an equal StructType, metadata included."""
    return schema.jsonValue()
