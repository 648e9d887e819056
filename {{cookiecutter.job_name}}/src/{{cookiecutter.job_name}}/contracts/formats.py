"""Schema formats <-> Spark ``StructType``.

- ``pyspark``: StructType JSON, exactly as ``StructType.jsonValue()`` writes it;
- ``avro``: an Avro record schema (``.avsc``);
- ``glue``: a Glue Catalog ``TableInput`` with Hive type strings.

Anything that cannot be mapped raises ``SchemaConversionError`` naming the field; nothing falls back
to ``string``. Field paths name nested fields with dots (``items.price``); an array's elements share
the array's path and a map's parts are ``<map>.key`` and ``<map>.value``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, NamedTuple, TypeGuard

from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

# The two pieces of field metadata every format carries (see the package docstring).
COMMENT = "comment"
PARTITION_KEY = "partition_key"
MAX_DECIMAL_PRECISION = 38  # Spark's DecimalType limit
# CharType and VarcharType only exist from Spark 3.4, so they are recognised by name, not imported.
CHAR_TYPE_NAMES = frozenset({"CharType", "VarcharType"})


class SchemaConversionError(ValueError):
    """A type or document that has no faithful mapping; the message names the field."""


# --- Shared helpers -------------------------------------------------------------------------------


def _path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _error(path: str, message: str) -> SchemaConversionError:
    return SchemaConversionError(f"field '{path}': {message}" if path else message)


def _metadata(path: str, comment: Any, partition_key: Any) -> dict[str, Any]:
    """Field metadata from a format's comment and partition flag, checking both are what they claim."""
    if comment is not None and not isinstance(comment, str):
        raise _error(path, f"a comment must be a string, got {comment!r}")
    if not isinstance(partition_key, bool):
        raise _error(path, f"partition_key must be true or false, got {partition_key!r}")
    metadata: dict[str, Any] = {}
    if comment:
        metadata[COMMENT] = comment
    if partition_key:
        metadata[PARTITION_KEY] = True
    return metadata


def _portable_metadata(struct_field: StructField, path: str, target: str) -> tuple[str | None, bool]:
    """A field's comment and partition flag; any other metadata would be lost in ``target``, so it is refused."""
    extra = sorted(set(struct_field.metadata) - {COMMENT, PARTITION_KEY})
    if extra:
        raise _error(
            path, f"metadata {extra} has no place in {target}; only '{COMMENT}' and '{PARTITION_KEY}' are carried"
        )
    metadata = _metadata(path, struct_field.metadata.get(COMMENT), struct_field.metadata.get(PARTITION_KEY, False))
    return metadata.get(COMMENT), PARTITION_KEY in metadata


def _check_unique_names(names: list[str], path: str, case_sensitive: bool) -> None:
    seen: set[str] = set()
    for name in names:
        key = name if case_sensitive else name.lower()
        if key in seen:
            raise _error(_path(path, name), "the name appears twice" + ("" if case_sensitive else " (ignoring case)"))
        seen.add(key)


# --- pyspark: StructType JSON ----------------------------------------------------------------------


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


# --- Hive type strings (Glue column types) --------------------------------------------------------

HIVE_PRIMITIVES: dict[str, DataType] = {
    "tinyint": ByteType(),
    "smallint": ShortType(),
    "int": IntegerType(),
    "integer": IntegerType(),
    "bigint": LongType(),
    "float": FloatType(),
    "double": DoubleType(),
    "boolean": BooleanType(),
    "string": StringType(),
    "binary": BinaryType(),
    "date": DateType(),
    "timestamp": TimestampType(),
}
# Written names: "integer" is read as a synonym of int, never written.
HIVE_NAMES: dict[type[DataType], str] = {type(t): name for name, t in HIVE_PRIMITIVES.items() if name != "integer"}
HIVE_SUPPORTED = (
    "supported Hive types: tinyint, smallint, int, bigint, float, double, boolean, string, binary, date, "
    "timestamp, decimal(p,s), char(n), varchar(n), array<T>, map<K,V>, struct<name:T,...>"
)
HIVE_DEFAULT_DECIMAL = DecimalType(10, 0)  # Hive's bare `decimal`
HIVE_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HIVE_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z0-9_]+)|`(?P<quoted>(?:[^`]|``)*)`|(?P<symbol>[<>(),:]))")


class _Token(NamedTuple):
    kind: str  # "word", "quoted", "symbol" or "end"
    text: str
    offset: int

    def describe(self) -> str:
        return "the end" if self.kind == "end" else f"'{self.text}' at position {self.offset}"


class _HiveTypeParser:
    """Recursive descent over one Hive type string:

    type   := primitive | decimal [ "(" INT [ "," INT ] ")" ] | (char | varchar) "(" INT ")"
            | array "<" type ">" | map "<" type "," type ">" | struct "<" [ name ":" type { "," name ":" type } ] ">"
    name   := WORD | `back-quoted` (a back quote inside is doubled)
    """

    def __init__(self, text: str, field: str) -> None:
        self.text = text
        self.field = field
        self.tokens = self._tokenize()
        self.position = 0

    def parse(self) -> DataType:
        data_type = self._type(self.field)
        token = self._next()
        if token.kind != "end":
            raise self._error(self.field, f"unexpected {token.describe()} after a complete type")
        return data_type

    def _tokenize(self) -> list[_Token]:
        tokens = []
        offset = 0
        while self.text[offset:].strip():
            match = HIVE_TOKEN.match(self.text, offset)
            if match is None:
                stray = self.text[offset:].lstrip()
                raise self._error(
                    self.field, f"unexpected character '{stray[0]}' at position {len(self.text) - len(stray)}"
                )
            kind = match.lastgroup or "symbol"
            tokens.append(_Token(kind, match.group(kind), match.start(kind)))
            offset = match.end()
        tokens.append(_Token("end", "", len(self.text)))
        return tokens

    def _error(self, path: str, message: str) -> SchemaConversionError:
        return _error(path, f"cannot read Hive type '{self.text}': {message}; {HIVE_SUPPORTED}")

    def _next(self) -> _Token:
        token = self.tokens[self.position]
        self.position = min(self.position + 1, len(self.tokens) - 1)
        return token

    def _accept(self, symbol: str) -> bool:
        token = self.tokens[self.position]
        if token.kind == "symbol" and token.text == symbol:
            self._next()
            return True
        return False

    def _expect(self, symbol: str, path: str) -> None:
        if not self._accept(symbol):
            raise self._error(path, f"expected '{symbol}', found {self.tokens[self.position].describe()}")

    def _integer(self, path: str) -> int:
        token = self._next()
        if token.kind != "word" or not token.text.isdigit():
            raise self._error(path, f"expected a number, found {token.describe()}")
        return int(token.text)

    def _type(self, path: str) -> DataType:
        token = self._next()
        keyword = token.text.lower() if token.kind == "word" else ""
        if keyword in HIVE_PRIMITIVES:
            return HIVE_PRIMITIVES[keyword]
        if keyword == "decimal":
            return self._decimal(path)
        if keyword in ("char", "varchar"):
            return self._char(path)
        if keyword == "array":
            return self._array(path)
        if keyword == "map":
            return self._map(path)
        if keyword == "struct":
            return self._struct(path)
        found = (
            f"unsupported type '{token.text}'" if token.kind == "word" else f"expected a type, found {token.describe()}"
        )
        raise self._error(path, found)

    def _decimal(self, path: str) -> DataType:
        if not self._accept("("):
            return HIVE_DEFAULT_DECIMAL
        precision = self._integer(path)
        scale = self._integer(path) if self._accept(",") else 0
        self._expect(")", path)
        if not 1 <= precision <= MAX_DECIMAL_PRECISION or scale > precision:
            raise self._error(path, f"decimal({precision},{scale}) needs 1 <= precision <= 38 and scale <= precision")
        return DecimalType(precision, scale)

    def _char(self, path: str) -> DataType:
        # Spark reads char(n)/varchar(n) columns of files as plain strings; the length limit is not kept.
        self._expect("(", path)
        length = self._integer(path)
        self._expect(")", path)
        if length < 1:
            raise self._error(path, "a char/varchar length must be at least 1")
        return StringType()

    def _array(self, path: str) -> DataType:
        self._expect("<", path)
        element = self._type(path)
        self._expect(">", path)
        return ArrayType(element, containsNull=True)

    def _map(self, path: str) -> DataType:
        self._expect("<", path)
        key = self._type(_path(path, "key"))
        if isinstance(key, (ArrayType, MapType, StructType)):
            raise self._error(_path(path, "key"), "map keys must be a primitive type")
        self._expect(",", path)
        value = self._type(_path(path, "value"))
        self._expect(">", path)
        return MapType(key, value, valueContainsNull=True)

    def _struct(self, path: str) -> DataType:
        self._expect("<", path)
        fields: list[StructField] = []
        while not self._accept(">"):
            if fields:
                self._expect(",", path)
            name = self._field_name(path)
            self._expect(":", _path(path, name))
            fields.append(StructField(name, self._type(_path(path, name)), nullable=True))
        _check_unique_names([f.name for f in fields], path, case_sensitive=False)
        return StructType(fields)

    def _field_name(self, path: str) -> str:
        token = self._next()
        if token.kind == "word":
            return token.text
        if token.kind == "quoted" and token.text:
            return token.text.replace("``", "`")
        raise self._error(path, f"expected a struct field name, found {token.describe()}")


def parse_hive_type(type_string: str, field: str = "") -> DataType:
    """The Spark type of a Hive type string (case and whitespace do not matter).

    Nested fields, array elements and map values come back nullable: Hive types cannot say otherwise.
    ``char(n)``/``varchar(n)`` read as ``StringType``, as Spark reads such columns from files.
    """
    if not isinstance(type_string, str):
        raise _error(field, f"a Hive type is a string, got {type_string!r}")
    return _HiveTypeParser(type_string, field).parse()


def to_hive_type(data_type: DataType, field: str = "") -> str:
    """The Hive type string of a Spark type; refuses what Hive cannot say (non-null nested parts, comments)."""
    name = HIVE_NAMES.get(type(data_type))
    if name is not None:
        return name
    if isinstance(data_type, DecimalType):
        return f"decimal({data_type.precision},{data_type.scale})"
    if type(data_type).__name__ in CHAR_TYPE_NAMES:
        return data_type.simpleString()  # char(n) / varchar(n), the same words in Spark and Hive
    if isinstance(data_type, ArrayType):
        if not data_type.containsNull:
            raise _error(field, "Hive arrays cannot declare non-null elements; set containsNull to true")
        return f"array<{to_hive_type(data_type.elementType, field)}>"
    if isinstance(data_type, MapType):
        return _hive_map(data_type, field)
    if isinstance(data_type, StructType):
        return f"struct<{','.join(_hive_struct_field(f, field) for f in data_type.fields)}>"
    raise _error(field, f"Spark type {data_type.simpleString()} has no Hive equivalent; {HIVE_SUPPORTED}")


def _hive_map(data_type: MapType, field: str) -> str:
    if isinstance(data_type.keyType, (ArrayType, MapType, StructType)):
        raise _error(_path(field, "key"), "Hive map keys must be a primitive type")
    if not data_type.valueContainsNull:
        raise _error(_path(field, "value"), "Hive maps cannot declare non-null values; set valueContainsNull to true")
    key = to_hive_type(data_type.keyType, _path(field, "key"))
    return f"map<{key},{to_hive_type(data_type.valueType, _path(field, 'value'))}>"


def _hive_struct_field(struct_field: StructField, parent: str) -> str:
    path = _path(parent, struct_field.name)
    if not struct_field.nullable:
        raise _error(path, "Hive struct fields cannot be declared non-null; only top-level columns can be required")
    if struct_field.metadata:
        raise _error(path, "Hive type strings carry no comment or other metadata on nested fields")
    if not struct_field.name:
        raise _error(path, "struct fields need a name")
    name = struct_field.name
    if not HIVE_PLAIN_NAME.fullmatch(name):
        name = "`" + name.replace("`", "``") + "`"
    return f"{name}:{to_hive_type(struct_field.dataType, path)}"


# --- glue: Glue Catalog TableInput ----------------------------------------------------------------

GLUE_NULLABLE = "nullable"  # column Parameters key; "false" marks a required column (Hive has no NOT NULL)
GLUE_COMMENT_MAX = 255  # Glue's limit on a column Comment
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


@dataclasses.dataclass(frozen=True)
class GlueStorage:
    """How a table's files are read: the formats, SerDe and table parameters Glue crawlers write."""

    classification: str
    input_format: str
    output_format: str
    serde: str
    serde_parameters: dict[str, str] = dataclasses.field(default_factory=dict)
    table_parameters: dict[str, str] = dataclasses.field(default_factory=dict)


GLUE_STORAGE = {
    "parquet": GlueStorage(
        classification="parquet",
        input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        serde="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        serde_parameters={"serialization.format": "1"},
    ),
    # OpenCSVSerde is what crawlers pick when values are quoted, as in the sample data: LazySimpleSerDe would split
    # "cancelled, never sent" at its comma and shift the rest of the row. (Athena then wants dates as epoch days.)
    "csv": GlueStorage(
        classification="csv",
        input_format=TEXT_INPUT,
        output_format=TEXT_OUTPUT,
        serde="org.apache.hadoop.hive.serde2.OpenCSVSerde",
        serde_parameters={"separatorChar": ",", "quoteChar": '"'},
        table_parameters={"skip.header.line.count": "1"},
    ),
    "json": GlueStorage(
        classification="json",
        input_format=TEXT_INPUT,
        output_format=TEXT_OUTPUT,
        serde="org.openx.data.jsonserde.JsonSerDe",
        serde_parameters={},
    ),
}


def from_glue_table(table: dict[str, Any]) -> StructType:
    """The StructType of a Glue ``TableInput``, or of the ``Table`` that ``glue.get_table()`` returns.

    Partition keys come last, marked ``partition_key``; a column whose Parameters say
    ``"nullable": "false"`` is required. Storage details and other keys are ignored.
    """
    if not isinstance(table, dict) or not isinstance(table.get("StorageDescriptor"), dict):
        hint = (
            " (pass get_table()['Table'], not the whole response)"
            if isinstance(table, dict) and "Table" in table
            else ""
        )
        raise SchemaConversionError(f"a Glue table is an object with a StorageDescriptor holding its Columns{hint}")
    columns = table["StorageDescriptor"].get("Columns", [])
    partition_keys = table.get("PartitionKeys", [])
    if not isinstance(columns, list) or not isinstance(partition_keys, list):
        raise SchemaConversionError("a Glue table's StorageDescriptor.Columns and PartitionKeys are lists of columns")
    fields = [_glue_field(column, partition_key=False) for column in columns]
    fields += [_glue_field(column, partition_key=True) for column in partition_keys]
    _check_unique_names([f.name for f in fields], "", case_sensitive=False)
    return StructType(fields)


def _glue_field(column: Any, partition_key: bool) -> StructField:
    if not isinstance(column, dict) or not isinstance(column.get("Name"), str) or not column["Name"]:
        raise SchemaConversionError(f"a Glue column is an object with a Name and a Type, got {column!r}")
    name = column["Name"]
    type_string = column.get("Type")
    if not isinstance(type_string, str):
        raise _error(name, "a Glue column needs a Type, a Hive type string such as 'bigint'")
    parameters = column.get("Parameters") or {}
    if not isinstance(parameters, dict):
        raise _error(name, f"column Parameters must be an object, got {parameters!r}")
    nullable = parameters.get(GLUE_NULLABLE, "true")
    if nullable not in ("true", "false"):
        raise _error(name, f'Parameters.{GLUE_NULLABLE} must be "true" or "false", got {nullable!r}')
    return StructField(
        name,
        parse_hive_type(type_string, name),
        nullable=nullable == "true",
        metadata=_metadata(name, column.get("Comment"), partition_key),
    )


def to_glue_table(
    schema: StructType,
    name: str,
    storage: str = "parquet",
    location: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """A Glue ``TableInput`` for ``schema``: partition keys (which must be the last fields) become PartitionKeys."""
    layout = GLUE_STORAGE.get(storage)
    if layout is None:
        raise ValueError(f"unknown storage '{storage}'; choose one of: {', '.join(sorted(GLUE_STORAGE))}")
    _check_unique_names(schema.names, "", case_sensitive=False)
    columns: list[dict[str, Any]] = []
    partition_keys: list[dict[str, Any]] = []
    for struct_field in schema.fields:
        column, is_partition_key = _glue_column(struct_field)
        if partition_keys and not is_partition_key:
            raise _error(
                struct_field.name,
                f"comes after partition key '{partition_keys[-1]['Name']}'; partition keys must be the last fields",
            )
        (partition_keys if is_partition_key else columns).append(column)

    table: dict[str, Any] = {"Name": name}
    if description:
        table["Description"] = description
    table["TableType"] = "EXTERNAL_TABLE"
    table["Parameters"] = {"classification": layout.classification, **layout.table_parameters}
    descriptor: dict[str, Any] = {"Columns": columns}
    if location:
        descriptor["Location"] = location
    descriptor["InputFormat"] = layout.input_format
    descriptor["OutputFormat"] = layout.output_format
    descriptor["SerdeInfo"] = {"SerializationLibrary": layout.serde, "Parameters": dict(layout.serde_parameters)}
    table["StorageDescriptor"] = descriptor
    table["PartitionKeys"] = partition_keys
    return table


def _glue_column(struct_field: StructField) -> tuple[dict[str, Any], bool]:
    """A Glue column for a top-level field, and whether it is a partition key."""
    name = struct_field.name
    comment, is_partition_key = _portable_metadata(struct_field, name, "Glue")
    if is_partition_key and isinstance(struct_field.dataType, (ArrayType, MapType, StructType)):
        raise _error(name, "a partition key must have a primitive type")
    column: dict[str, Any] = {"Name": name, "Type": to_hive_type(struct_field.dataType, name)}
    if comment:
        if len(comment) > GLUE_COMMENT_MAX:
            raise _error(name, f"Glue column comments are at most {GLUE_COMMENT_MAX} characters; shorten it")
        column["Comment"] = comment
    if not struct_field.nullable:
        column["Parameters"] = {GLUE_NULLABLE: "false"}
    return column, is_partition_key


# --- avro: Avro record schema ---------------------------------------------------------------------

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
            raise _error(path, f"record '{full_name}' needs a \"fields\" list")
        fields = [self._field(spec, namespace, path) for spec in specs]
        _check_unique_names([f.name for f in fields], path, case_sensitive=True)
        struct = StructType(fields)
        self.named[full_name] = struct
        return struct

    def _field(self, spec: Any, namespace: str, parent: str) -> StructField:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or "type" not in spec:
            raise _error(parent, f"an Avro field is an object with a name and a type, got {spec!r}")
        path = _path(parent, spec["name"])
        data_type, nullable = self._nullable_type(spec["type"], namespace, path)
        metadata = _metadata(path, spec.get("doc"), spec.get(PARTITION_KEY, False))
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
        raise _error(path, f'the union {schema} has no Spark type; only ["null", T] (an optional T) is supported')

    def _type(self, schema: Any, namespace: str, path: str) -> DataType:
        if isinstance(schema, str):
            return self._named_type(schema, namespace, path)
        if not isinstance(schema, dict) or not isinstance(schema.get("type"), str):
            raise _error(path, f"not an Avro type: {schema!r}; {AVRO_SUPPORTED}")
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
            value, value_contains_null = self._nullable_type(schema.get("values"), namespace, _path(path, "value"))
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
            raise _error(path, f"logicalType '{logical}' on {kind} is not supported; {AVRO_SUPPORTED_LOGICAL}")
        return found

    def _decimal(self, schema: dict[str, Any], path: str) -> DataType:
        precision, scale = schema.get("precision"), schema.get("scale", 0)
        if not _is_int(precision) or not _is_int(scale) or not 1 <= precision <= MAX_DECIMAL_PRECISION:
            raise _error(path, "an Avro decimal needs an integer precision from 1 to 38 and an integer scale")
        if not 0 <= scale <= precision:
            raise _error(path, f"decimal scale {scale} must be between 0 and the precision {precision}")
        size = schema.get("size")
        if schema["type"] == "fixed" and _is_int(size) and precision > len(str(2 ** (8 * size - 1) - 1)) - 1:
            raise _error(path, f"a fixed of {size} bytes holds fewer than {precision} digits")
        return DecimalType(precision, scale)

    def _named_type(self, name: str, namespace: str, path: str) -> DataType:
        """A primitive, or a reference to a named type defined earlier in the document."""
        if name in AVRO_PRIMITIVES:
            return AVRO_PRIMITIVES[name]
        if name == "null":
            raise _error(
                path, 'a field of type "null" is always null; give it a type, or ["null", T] for an optional T'
            )
        candidates = [name] if "." in name or not namespace else [f"{namespace}.{name}", name]
        for candidate in candidates:
            if candidate in self.named:
                found = self.named[candidate]
                if found is None:
                    raise _error(path, f"type '{candidate}' contains itself; Spark schemas cannot be recursive")
                return found
        raise _error(path, f"unknown Avro type '{name}' (named types must be defined before use); {AVRO_SUPPORTED}")

    def _named(self, schema: dict[str, Any], namespace: str, path: str, data_type: DataType) -> DataType:
        full_name, _ = self._define(schema, namespace, path)
        self.named[full_name] = data_type
        return data_type

    def _define(self, schema: dict[str, Any], namespace: str, path: str) -> tuple[str, str]:
        """Register a named type; its full name and the namespace its own fields resolve in."""
        name = schema.get("name")
        if not isinstance(name, str) or not name:
            raise _error(path, f"a {schema['type']} needs a name")
        if "." in name:
            full_name = name
        else:
            namespace = schema.get("namespace", namespace) or ""
            full_name = _path(namespace, name)
        if full_name in self.named:
            raise _error(path, f"the Avro type '{full_name}' is defined twice; refer to it by name instead")
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
        raise _error(
            path, f"{what} '{name}' is not a valid Avro name (letters, digits and _, not starting with a digit)"
        )


def _avro_record(struct: StructType, name: str, namespace: str | None, doc: str | None, path: str) -> dict[str, Any]:
    _check_unique_names(struct.names, path, case_sensitive=True)
    record: dict[str, Any] = {"type": "record", "name": name}
    if namespace:
        record["namespace"] = namespace
    if doc:
        record["doc"] = doc
    full_name = _path(namespace or "", name)
    record["fields"] = [_avro_field(struct_field, full_name, path) for struct_field in struct.fields]
    return record


def _avro_field(struct_field: StructField, namespace: str, parent: str) -> dict[str, Any]:
    path = _path(parent, struct_field.name)
    _check_avro_name(struct_field.name, path, "the field name")
    comment, is_partition_key = _portable_metadata(struct_field, path, "Avro")
    field_type = _avro_type(struct_field.dataType, struct_field.nullable, struct_field.name, namespace, path)
    avro_field: dict[str, Any] = {"name": struct_field.name, "type": field_type}
    if struct_field.nullable:
        avro_field["default"] = None
    if comment:
        avro_field["doc"] = comment
    if is_partition_key:
        avro_field[PARTITION_KEY] = True
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
            raise _error(_path(path, "key"), f"Avro map keys are strings, not {data_type.keyType.simpleString()}")
        value_path = _path(path, "value")
        return {
            "type": "map",
            "values": _avro_type(data_type.valueType, data_type.valueContainsNull, name, namespace, value_path),
        }
    if isinstance(data_type, StructType):
        return _avro_record(data_type, name, namespace, None, path)
    hint = AVRO_UNSUPPORTED_HINTS.get(type(data_type).__name__, AVRO_SUPPORTED)
    raise _error(path, f"Spark type {data_type.simpleString()} has no Avro equivalent; {hint}")
