"""avro: an Avro record schema (``.avsc``) <-> StructType, following spark-avro's SchemaConverters."""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from .common import (
    MAX_DECIMAL_PRECISION,
    PARTITION_KEY,
    RULES,
    SchemaConversionError,
    check_unique_names,
    conversion_error,
    field_metadata,
    field_path,
    portable_metadata,
    rule_metadata,
)

AVRO_PRIMITIVES: dict[str, DataType] = {
    "boolean": BooleanType(),
    "int": IntegerType(),
    "long": LongType(),
    "float": FloatType(),
    "double": DoubleType(),
    "bytes": BinaryType(),
    "string": StringType(),
}
# (underlying type, logicalType) -> Spark type, as spark-avro reads them; decimal is handled apart (it has parameters).
AVRO_LOGICAL_TYPES: dict[tuple[str, str], DataType] = {
    ("int", "date"): DateType(),
    ("long", "timestamp-millis"): TimestampType(),
    ("long", "timestamp-micros"): TimestampType(),
    ("long", "local-timestamp-millis"): TimestampNTZType(),
    ("long", "local-timestamp-micros"): TimestampNTZType(),
    ("string", "uuid"): StringType(),
}
AVRO_SUPPORTED_LOGICAL = (
    "supported logical types: date (int), timestamp-millis, timestamp-micros, local-timestamp-millis, "
    "local-timestamp-micros (long), decimal (bytes or fixed), uuid (string)"
)
# Spark type -> the Avro type written for it (decimal, array, map and struct are built).
AVRO_WRITTEN: dict[type[DataType], Any] = {
    BooleanType: "boolean",
    IntegerType: "int",
    LongType: "long",
    FloatType: "float",
    DoubleType: "double",
    BinaryType: "bytes",
    StringType: "string",
    DateType: {"type": "int", "logicalType": "date"},
    TimestampType: {"type": "long", "logicalType": "timestamp-micros"},
    TimestampNTZType: {"type": "long", "logicalType": "local-timestamp-micros"},
}
# What to do instead, for Spark types Avro has no type for (by class name: some classes are version-specific).
AVRO_UNSUPPORTED_HINTS = {
    "ByteType": "Avro has no 8-bit integer; declare the column as integer (Avro int)",
    "ShortType": "Avro has no 16-bit integer; declare the column as integer (Avro int)",
    "CharType": "Avro has no fixed-length string; declare the column as string",
    "VarcharType": "Avro has no length-limited string; declare the column as string",
    "NullType": "a column that is always null has no Avro field type; give it a real type",
}
AVRO_SUPPORTED = (
    "Avro maps boolean, int, long, float, double, string, binary, date, timestamp, timestamp_ntz, "
    "decimal(p,s), arrays, maps with string keys and structs"
)
AVRO_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def from_avro(document: dict[str, Any]) -> StructType:
    """The StructType of an Avro record schema, following spark-avro's SchemaConverters.

    ``["null", T]`` unions are nullable T; enum reads as string and fixed as binary. Logical types
    outside the supported list are refused rather than ignored (as the Avro spec would): a misspelt
    ``timestamp-micro`` would otherwise silently turn a timestamp column into a long.
    """
    if not isinstance(document, dict) or document.get("type") != "record":
        raise SchemaConversionError(
            'an Avro contract is a record schema: {"type": "record", "name": ..., "fields": [...]}'
        )
    return _AvroReader().record(document, namespace="", path="")


class _AvroReader:
    """Reads one Avro schema document, remembering named types so later references resolve."""

    def __init__(self) -> None:
        # Full name -> Spark type; None while the named type is still being read (a reference then is recursion).
        self.named: dict[str, DataType | None] = {}

    def record(self, schema: dict[str, Any], namespace: str, path: str) -> StructType:
        full_name, namespace = self._define(schema, namespace, path)
        specs = schema.get("fields")
        if not isinstance(specs, list):
            raise conversion_error(path, f"record '{full_name}' needs a \"fields\" list")
        fields = [self._field(spec, namespace, path) for spec in specs]
        check_unique_names([f.name for f in fields], path, case_sensitive=True)
        struct = StructType(fields)
        self.named[full_name] = struct
        return struct

    def _field(self, spec: Any, namespace: str, parent: str) -> StructField:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or "type" not in spec:
            raise conversion_error(parent, f"an Avro field is an object with a name and a type, got {spec!r}")
        path = field_path(parent, spec["name"])
        data_type, nullable = self._nullable_type(spec["type"], namespace, path)
        metadata = field_metadata(path, spec.get("doc"), spec.get(PARTITION_KEY, False))
        metadata.update(rule_metadata(path, spec.get(RULES), data_type, nested=bool(parent)))
        return StructField(spec["name"], data_type, nullable, metadata)

    def _nullable_type(self, schema: Any, namespace: str, path: str) -> tuple[DataType, bool]:
        """A Spark type and whether it may be null: only a union of "null" and one type is nullable."""
        if not isinstance(schema, list):
            return self._type(schema, namespace, path), False
        members = [member for member in schema if member != "null"]
        if len(members) == 1 and len(schema) <= 2:
            return self._type(members[0], namespace, path), len(schema) == 2
        if not members:
            return self._type("null", namespace, path), True  # raises: "null" alone has no Spark type
        raise conversion_error(
            path, f'the union {schema} has no Spark type; only ["null", T] (an optional T) is supported'
        )

    def _type(self, schema: Any, namespace: str, path: str) -> DataType:
        if isinstance(schema, str):
            return self._named_type(schema, namespace, path)
        if not isinstance(schema, dict) or not isinstance(schema.get("type"), str):
            raise conversion_error(path, f"not an Avro type: {schema!r}; {AVRO_SUPPORTED}")
        kind = schema["type"]
        logical = schema.get("logicalType")
        if kind == "record":
            return self.record(schema, namespace, path)
        if kind == "enum":
            return self._named(schema, namespace, path, StringType())
        if kind == "fixed":
            data_type = BinaryType() if logical is None else self._logical(schema, path)
            return self._named(schema, namespace, path, data_type)
        if kind == "array":
            element, contains_null = self._nullable_type(schema.get("items"), namespace, path)
            return ArrayType(element, contains_null)
        if kind == "map":
            value, value_contains_null = self._nullable_type(schema.get("values"), namespace, field_path(path, "value"))
            return MapType(StringType(), value, value_contains_null)
        if logical is not None:
            return self._logical(schema, path)
        return self._named_type(kind, namespace, path)

    def _logical(self, schema: dict[str, Any], path: str) -> DataType:
        kind, logical = schema["type"], schema["logicalType"]
        if logical == "decimal" and kind in ("bytes", "fixed"):
            return self._decimal(schema, path)
        found = AVRO_LOGICAL_TYPES.get((kind, logical))
        if found is None:
            raise conversion_error(
                path, f"logicalType '{logical}' on {kind} is not supported; {AVRO_SUPPORTED_LOGICAL}"
            )
        return found

    def _decimal(self, schema: dict[str, Any], path: str) -> DataType:
        precision, scale = schema.get("precision"), schema.get("scale", 0)
        if not _is_int(precision) or not _is_int(scale) or not 1 <= precision <= MAX_DECIMAL_PRECISION:
            raise conversion_error(path, "an Avro decimal needs an integer precision from 1 to 38 and an integer scale")
        if not 0 <= scale <= precision:
            raise conversion_error(path, f"decimal scale {scale} must be between 0 and the precision {precision}")
        size = schema.get("size")
        if schema["type"] == "fixed" and _is_int(size) and precision > len(str(2 ** (8 * size - 1) - 1)) - 1:
            raise conversion_error(path, f"a fixed of {size} bytes holds fewer than {precision} digits")
        return DecimalType(precision, scale)

    def _named_type(self, name: str, namespace: str, path: str) -> DataType:
        """A primitive, or a reference to a named type defined earlier in the document."""
        if name in AVRO_PRIMITIVES:
            return AVRO_PRIMITIVES[name]
        if name == "null":
            raise conversion_error(
                path, 'a field of type "null" is always null; give it a type, or ["null", T] for an optional T'
            )
        candidates = [name] if "." in name or not namespace else [f"{namespace}.{name}", name]
        for candidate in candidates:
            if candidate in self.named:
                found = self.named[candidate]
                if found is None:
                    raise conversion_error(
                        path, f"type '{candidate}' contains itself; Spark schemas cannot be recursive"
                    )
                return found
        raise conversion_error(
            path, f"unknown Avro type '{name}' (named types must be defined before use); {AVRO_SUPPORTED}"
        )

    def _named(self, schema: dict[str, Any], namespace: str, path: str, data_type: DataType) -> DataType:
        full_name, _ = self._define(schema, namespace, path)
        self.named[full_name] = data_type
        return data_type

    def _define(self, schema: dict[str, Any], namespace: str, path: str) -> tuple[str, str]:
        """Register a named type; its full name and the namespace its own fields resolve in."""
        name = schema.get("name")
        if not isinstance(name, str) or not name:
            raise conversion_error(path, f"a {schema['type']} needs a name")
        if "." in name:
            full_name = name
        else:
            namespace = schema.get("namespace", namespace) or ""
            full_name = field_path(namespace, name)
        if full_name in self.named:
            raise conversion_error(path, f"the Avro type '{full_name}' is defined twice; refer to it by name instead")
        self.named[full_name] = None
        return full_name, full_name.rpartition(".")[0]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def to_avro(schema: StructType, name: str, namespace: str | None = None, doc: str | None = None) -> dict[str, Any]:
    """An Avro record schema for ``schema``, as spark-avro would write it.

    Nullable fields are ``["null", T]`` with ``"default": null``, so adding one stays backward compatible.
    A nested struct becomes a record named after its field, in the namespace of the record around it,
    so every full name is unique.
    """
    _check_avro_name(name, "", "the record name")
    if namespace:
        for part in namespace.split("."):
            _check_avro_name(part, "", f"namespace '{namespace}' part")
    return _avro_record(schema, name, namespace, doc, path="")


def _check_avro_name(name: str, path: str, what: str) -> None:
    if not AVRO_NAME.fullmatch(name):
        raise conversion_error(
            path, f"{what} '{name}' is not a valid Avro name (letters, digits and _, not starting with a digit)"
        )


def _avro_record(struct: StructType, name: str, namespace: str | None, doc: str | None, path: str) -> dict[str, Any]:
    check_unique_names(struct.names, path, case_sensitive=True)
    record: dict[str, Any] = {"type": "record", "name": name}
    if namespace:
        record["namespace"] = namespace
    if doc:
        record["doc"] = doc
    full_name = field_path(namespace or "", name)
    record["fields"] = [_avro_field(struct_field, full_name, path) for struct_field in struct.fields]
    return record


def _avro_field(struct_field: StructField, namespace: str, parent: str) -> dict[str, Any]:
    path = field_path(parent, struct_field.name)
    _check_avro_name(struct_field.name, path, "the field name")
    comment, is_partition_key, rules = portable_metadata(struct_field, path, "Avro", nested=bool(parent))
    field_type = _avro_type(struct_field.dataType, struct_field.nullable, struct_field.name, namespace, path)
    avro_field: dict[str, Any] = {"name": struct_field.name, "type": field_type}
    if struct_field.nullable:
        avro_field["default"] = None
    if comment:
        avro_field["doc"] = comment
    if is_partition_key:
        avro_field[PARTITION_KEY] = True
    if rules:
        avro_field[RULES] = rules
    return avro_field


def _avro_type(data_type: DataType, nullable: bool, name: str, namespace: str, path: str) -> Any:
    """The Avro type of ``data_type``; ``name`` and ``namespace`` name a record built for a struct."""
    avro = _avro_non_null_type(data_type, name, namespace, path)
    return ["null", avro] if nullable else avro


def _avro_non_null_type(data_type: DataType, name: str, namespace: str, path: str) -> Any:
    written = AVRO_WRITTEN.get(type(data_type))
    if written is not None:
        return dict(written) if isinstance(written, dict) else written
    if isinstance(data_type, DecimalType):
        return {"type": "bytes", "logicalType": "decimal", "precision": data_type.precision, "scale": data_type.scale}
    if isinstance(data_type, ArrayType):
        return {
            "type": "array",
            "items": _avro_type(data_type.elementType, data_type.containsNull, name, namespace, path),
        }
    if isinstance(data_type, MapType):
        if not isinstance(data_type.keyType, StringType):
            raise conversion_error(
                field_path(path, "key"), f"Avro map keys are strings, not {data_type.keyType.simpleString()}"
            )
        value_path = field_path(path, "value")
        return {
            "type": "map",
            "values": _avro_type(data_type.valueType, data_type.valueContainsNull, name, namespace, value_path),
        }
    if isinstance(data_type, StructType):
        return _avro_record(data_type, name, namespace, None, path)
    hint = AVRO_UNSUPPORTED_HINTS.get(type(data_type).__name__, AVRO_SUPPORTED)
    raise conversion_error(path, f"Spark type {data_type.simpleString()} has no Avro equivalent; {hint}")
