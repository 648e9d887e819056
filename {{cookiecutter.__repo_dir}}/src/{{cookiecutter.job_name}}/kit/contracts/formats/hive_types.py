"""Hive type strings (Glue column types) <-> Spark types, with a small recursive-descent parser."""

from __future__ import annotations

import re
from typing import NamedTuple

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
    TimestampType,
)

from .common import (
    CHAR_TYPE_NAMES,
    MAX_DECIMAL_PRECISION,
    SchemaConversionError,
    check_unique_names,
    conversion_error,
    field_path,
)

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
            raise self.conversion_error(self.field, f"unexpected {token.describe()} after a complete type")
        return data_type

    def _tokenize(self) -> list[_Token]:
        tokens = []
        offset = 0
        while self.text[offset:].strip():
            match = HIVE_TOKEN.match(self.text, offset)
            if match is None:
                stray = self.text[offset:].lstrip()
                raise self.conversion_error(
                    self.field, f"unexpected character '{stray[0]}' at position {len(self.text) - len(stray)}"
                )
            kind = match.lastgroup or "symbol"
            tokens.append(_Token(kind, match.group(kind), match.start(kind)))
            offset = match.end()
        tokens.append(_Token("end", "", len(self.text)))
        return tokens

    def conversion_error(self, path: str, message: str) -> SchemaConversionError:
        return conversion_error(path, f"cannot read Hive type '{self.text}': {message}; {HIVE_SUPPORTED}")

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
            raise self.conversion_error(path, f"expected '{symbol}', found {self.tokens[self.position].describe()}")

    def _integer(self, path: str) -> int:
        token = self._next()
        if token.kind != "word" or not token.text.isdigit():
            raise self.conversion_error(path, f"expected a number, found {token.describe()}")
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
        raise self.conversion_error(path, found)

    def _decimal(self, path: str) -> DataType:
        if not self._accept("("):
            return HIVE_DEFAULT_DECIMAL
        precision = self._integer(path)
        scale = self._integer(path) if self._accept(",") else 0
        self._expect(")", path)
        if not 1 <= precision <= MAX_DECIMAL_PRECISION or scale > precision:
            raise self.conversion_error(
                path, f"decimal({precision},{scale}) needs 1 <= precision <= 38 and scale <= precision"
            )
        return DecimalType(precision, scale)

    def _char(self, path: str) -> DataType:
        # Spark reads char(n)/varchar(n) columns of files as plain strings; the length limit is not kept.
        self._expect("(", path)
        length = self._integer(path)
        self._expect(")", path)
        if length < 1:
            raise self.conversion_error(path, "a char/varchar length must be at least 1")
        return StringType()

    def _array(self, path: str) -> DataType:
        self._expect("<", path)
        element = self._type(path)
        self._expect(">", path)
        return ArrayType(element, containsNull=True)

    def _map(self, path: str) -> DataType:
        self._expect("<", path)
        key = self._type(field_path(path, "key"))
        if isinstance(key, (ArrayType, MapType, StructType)):
            raise self.conversion_error(field_path(path, "key"), "map keys must be a primitive type")
        self._expect(",", path)
        value = self._type(field_path(path, "value"))
        self._expect(">", path)
        return MapType(key, value, valueContainsNull=True)

    def _struct(self, path: str) -> DataType:
        self._expect("<", path)
        fields: list[StructField] = []
        while not self._accept(">"):
            if fields:
                self._expect(",", path)
            name = self._field_name(path)
            self._expect(":", field_path(path, name))
            fields.append(StructField(name, self._type(field_path(path, name)), nullable=True))
        check_unique_names([f.name for f in fields], path, case_sensitive=False)
        return StructType(fields)

    def _field_name(self, path: str) -> str:
        token = self._next()
        if token.kind == "word":
            return token.text
        if token.kind == "quoted" and token.text:
            return token.text.replace("``", "`")
        raise self.conversion_error(path, f"expected a struct field name, found {token.describe()}")


def parse_hive_type(type_string: str, field: str = "") -> DataType:
    """The Spark type of a Hive type string (case and whitespace do not matter).

    Nested fields, array elements and map values come back nullable: Hive types cannot say otherwise.
    ``char(n)``/``varchar(n)`` read as ``StringType``, as Spark reads such columns from files.
    """
    if not isinstance(type_string, str):
        raise conversion_error(field, f"a Hive type is a string, got {type_string!r}")
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
            raise conversion_error(field, "Hive arrays cannot declare non-null elements; set containsNull to true")
        return f"array<{to_hive_type(data_type.elementType, field)}>"
    if isinstance(data_type, MapType):
        return _hive_map(data_type, field)
    if isinstance(data_type, StructType):
        return f"struct<{','.join(_hive_struct_field(f, field) for f in data_type.fields)}>"
    raise conversion_error(field, f"Spark type {data_type.simpleString()} has no Hive equivalent; {HIVE_SUPPORTED}")


def _hive_map(data_type: MapType, field: str) -> str:
    if isinstance(data_type.keyType, (ArrayType, MapType, StructType)):
        raise conversion_error(field_path(field, "key"), "Hive map keys must be a primitive type")
    if not data_type.valueContainsNull:
        raise conversion_error(
            field_path(field, "value"), "Hive maps cannot declare non-null values; set valueContainsNull to true"
        )
    key = to_hive_type(data_type.keyType, field_path(field, "key"))
    return f"map<{key},{to_hive_type(data_type.valueType, field_path(field, 'value'))}>"


def _hive_struct_field(struct_field: StructField, parent: str) -> str:
    path = field_path(parent, struct_field.name)
    if not struct_field.nullable:
        raise conversion_error(
            path, "Hive struct fields cannot be declared non-null; only top-level columns can be required"
        )
    if struct_field.metadata:
        raise conversion_error(path, "Hive type strings carry no comment or other metadata on nested fields")
    if not struct_field.name:
        raise conversion_error(path, "struct fields need a name")
    name = struct_field.name
    if not HIVE_PLAIN_NAME.fullmatch(name):
        name = "`" + name.replace("`", "``") + "`"
    return f"{name}:{to_hive_type(struct_field.dataType, path)}"
