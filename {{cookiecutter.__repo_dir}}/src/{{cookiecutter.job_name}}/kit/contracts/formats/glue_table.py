"""glue: a Glue Catalog ``TableInput`` (Hive type strings) <-> StructType."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from pyspark.sql.types import (
    ArrayType,
    MapType,
    StructField,
    StructType,
)

from .common import (
    RULES,
    SchemaConversionError,
    check_unique_names,
    conversion_error,
    field_metadata,
    portable_metadata,
    rule_metadata,
)
from .hive_types import parse_hive_type, to_hive_type

GLUE_NULLABLE = "nullable"  # column Parameters key; "false" marks a required column (Hive has no NOT NULL)
GLUE_RULES = RULES  # column Parameters key; the column's value rules as a JSON object in a string (values are strings)
GLUE_RULES_EXAMPLE = '"{\\"min\\": 0}"'
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
    ``"nullable": "false"`` is required, and Parameters ``"rules"`` holds its value rules as a JSON
    string (``'{"min": 0}'``). Storage details and other keys are ignored.
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
    check_unique_names([f.name for f in fields], "", case_sensitive=False)
    return StructType(fields)


def _glue_field(column: Any, partition_key: bool) -> StructField:
    if not isinstance(column, dict) or not isinstance(column.get("Name"), str) or not column["Name"]:
        raise SchemaConversionError(f"a Glue column is an object with a Name and a Type, got {column!r}")
    name = column["Name"]
    type_string = column.get("Type")
    if not isinstance(type_string, str):
        raise conversion_error(name, "a Glue column needs a Type, a Hive type string such as 'bigint'")
    parameters = column.get("Parameters") or {}
    if not isinstance(parameters, dict):
        raise conversion_error(name, f"column Parameters must be an object, got {parameters!r}")
    nullable = parameters.get(GLUE_NULLABLE, "true")
    if nullable not in ("true", "false"):
        raise conversion_error(name, f'Parameters.{GLUE_NULLABLE} must be "true" or "false", got {nullable!r}')
    data_type = parse_hive_type(type_string, name)
    metadata = field_metadata(name, column.get("Comment"), partition_key)
    metadata.update(rule_metadata(name, _rules_parameter(name, parameters.get(GLUE_RULES)), data_type))
    return StructField(name, data_type, nullable=nullable == "true", metadata=metadata)


def _rules_parameter(name: str, text: Any) -> Any:
    """The rules a column parameter holds as JSON text (None when it has none)."""
    if text is None:
        return None
    problem = ""
    if isinstance(text, str):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            problem = f" ({exc})"
    raise conversion_error(
        name,
        f"Parameters.{GLUE_RULES} is a JSON object in a string, such as {GLUE_RULES_EXAMPLE}, got {text!r}{problem}",
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
    check_unique_names(schema.names, "", case_sensitive=False)
    columns: list[dict[str, Any]] = []
    partition_keys: list[dict[str, Any]] = []
    for struct_field in schema.fields:
        column, is_partition_key = _glue_column(struct_field)
        if partition_keys and not is_partition_key:
            raise conversion_error(
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
    comment, is_partition_key, rules = portable_metadata(struct_field, name, "Glue")
    if is_partition_key and isinstance(struct_field.dataType, (ArrayType, MapType, StructType)):
        raise conversion_error(name, "a partition key must have a primitive type")
    column: dict[str, Any] = {"Name": name, "Type": to_hive_type(struct_field.dataType, name)}
    if comment:
        if len(comment) > GLUE_COMMENT_MAX:
            raise conversion_error(name, f"Glue column comments are at most {GLUE_COMMENT_MAX} characters; shorten it")
        column["Comment"] = comment
    parameters = {GLUE_NULLABLE: "false"} if not struct_field.nullable else {}
    if rules:
        parameters[GLUE_RULES] = json.dumps(rules)
    if parameters:
        column["Parameters"] = parameters
    return column, is_partition_key
