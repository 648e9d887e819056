"""Schema formats <-> StructType, each way, against documents and schemas written out by hand. No Spark session."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from typing import Any

import botocore.session
import fastavro
import pytest
from botocore.validate import validate_parameters
from pyspark.sql import types
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DayTimeIntervalType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    NullType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from {{ cookiecutter.job_name }}.kit.contracts import ContractError, parse_contract
from {{ cookiecutter.job_name }}.kit.contracts.formats import (
    SchemaConversionError,
    from_avro,
    from_glue_table,
    from_spark_json,
    parse_hive_type,
    to_avro,
    to_glue_table,
    to_hive_type,
    to_spark_json,
)
from {{ cookiecutter.job_name }}.kit.contracts.rules import PATTERN_SYNTAX
from {{ cookiecutter.job_name }}.kit.declarations import available, load_contract

PARTITION = {"partition_key": True}


def avro_record(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "Row", "fields": list(fields)}


def checked_avro(schema: StructType, name: str, namespace: str | None = None) -> dict[str, Any]:
    """``to_avro``, also checked by an independent Avro implementation."""
    document = to_avro(schema, name, namespace)
    fastavro.parse_schema(document)
    return document


# --- Hive type strings -----------------------------------------------------------------------------

HIVE_ROUND_TRIPS = [
    ("tinyint", ByteType()),
    ("smallint", ShortType()),
    ("int", IntegerType()),
    ("bigint", LongType()),
    ("float", FloatType()),
    ("double", DoubleType()),
    ("boolean", BooleanType()),
    ("string", StringType()),
    ("binary", BinaryType()),
    ("date", DateType()),
    ("timestamp", TimestampType()),
    ("decimal(10,0)", DecimalType(10, 0)),
    ("decimal(38,18)", DecimalType(38, 18)),
    ("decimal(5,5)", DecimalType(5, 5)),  # scale == precision: only a fraction, 0.12345
    ("decimal(38,38)", DecimalType(38, 38)),
    (
        "array<struct<a:int,b:string>>",
        ArrayType(
            StructType([StructField("a", IntegerType(), True), StructField("b", StringType(), True)]),
            containsNull=True,
        ),
    ),
    ("map<string,bigint>", MapType(StringType(), LongType(), valueContainsNull=True)),
    (
        "struct<id:bigint,tags:map<string,array<decimal(12,3)>>,`ship to`:struct<city:string>,`a``b`:date>",
        StructType(
            [
                StructField("id", LongType(), True),
                StructField("tags", MapType(StringType(), ArrayType(DecimalType(12, 3), True), True), True),
                StructField("ship to", StructType([StructField("city", StringType(), True)]), True),
                StructField("a`b", DateType(), True),
            ]
        ),
    ),
]


@pytest.mark.parametrize(("type_string", "data_type"), HIVE_ROUND_TRIPS)
def test_hive_type_round_trip(type_string: str, data_type: DataType) -> None:
    assert parse_hive_type(type_string) == data_type
    assert to_hive_type(data_type) == type_string


@pytest.mark.parametrize(
    ("type_string", "data_type"),
    [
        ("integer", IntegerType()),
        ("decimal", DecimalType(10, 0)),
        ("decimal(7)", DecimalType(7, 0)),
        ("char(10)", StringType()),
        ("VARCHAR(255)", StringType()),
        ("  Timestamp ", TimestampType()),
        (
            " ARRAY < STRUCT < Id : INT , name:String > > ",
            ArrayType(StructType([StructField("Id", IntegerType(), True), StructField("name", StringType(), True)])),
        ),
        ("struct<`order`:date>", StructType([StructField("order", DateType(), True)])),
    ],
)
def test_hive_synonyms_defaults_case_and_whitespace_are_read(type_string: str, data_type: DataType) -> None:
    assert parse_hive_type(type_string) == data_type


def test_spark_char_types_are_hive_char_and_varchar_and_refused_by_avro() -> None:
    char_type, varchar_type = (getattr(types, name, None) for name in ("CharType", "VarcharType"))
    if char_type is None or varchar_type is None:  # Spark 3.3 (Glue 4.0) has none, so no contract can declare one
        with pytest.raises(SchemaConversionError):
            from_spark_json({"type": "struct", "fields": [{"name": "c", "type": "char(3)", "nullable": True}]})
        return
    assert to_hive_type(char_type(3)) == "char(3)"
    assert to_hive_type(varchar_type(40)) == "varchar(40)"
    with pytest.raises(SchemaConversionError, match=r"field 'code': .*declare the column as string"):
        to_avro(StructType([StructField("code", varchar_type(40))]), "Row")


@pytest.mark.parametrize(
    ("type_string", "path", "problem"),
    [
        ("uniontype<int,string>", "payload", "unsupported type 'uniontype'"),
        ("interval", "payload", "unsupported type 'interval'"),
        ("void", "payload", "unsupported type 'void'"),
        ("garbage", "payload", "unsupported type 'garbage'"),
        ("array<struct<price:uniontype<int,string>>>", "payload.price", "unsupported type 'uniontype'"),
        ("map<string,struct<qty:void>>", "payload.value.qty", "unsupported type 'void'"),
        ("map<array<int>,string>", "payload.key", "map keys must be a primitive type"),
        ("array<int", "payload", "expected '>', found the end"),
        ("array<int>>", "payload", "unexpected '>' at position 10"),
        ("map<string>", "payload", "expected ',', found '>'"),
        ("struct<a int>", "payload.a", "expected ':', found 'int'"),
        ("struct<`a:int>", "payload", "unexpected character '`'"),
        ("decimal(39,2)", "payload", "decimal(39,2) needs 1 <= precision <= 38"),
        ("decimal(5,6)", "payload", "decimal(5,6) needs 1 <= precision <= 38 and scale <= precision"),
        ("decimal(38,39)", "payload", "decimal(38,39) needs 1 <= precision <= 38 and scale <= precision"),
        ("decimal(0,0)", "payload", "decimal(0,0) needs 1 <= precision <= 38"),
        ("int;", "payload", "unexpected character ';'"),
        ("", "payload", "expected a type, found the end"),
    ],
)
def test_unreadable_hive_types_name_the_field_and_list_what_is_supported(
    type_string: str, path: str, problem: str
) -> None:
    with pytest.raises(SchemaConversionError) as error:
        parse_hive_type(type_string, "payload")
    message = str(error.value)
    assert message.startswith(f"field '{path}': cannot read Hive type '{type_string}': {problem}")
    assert "supported Hive types: tinyint, smallint, int, bigint" in message


def test_hive_struct_field_names_must_be_unique_ignoring_case() -> None:
    with pytest.raises(SchemaConversionError, match=re.escape("field 'payload.A': the name appears twice")):
        parse_hive_type("struct<a:int,A:string>", "payload")


@pytest.mark.parametrize(
    ("data_type", "path", "problem"),
    [
        (TimestampNTZType(), "seen_at", "timestamp_ntz has no Hive equivalent"),
        (NullType(), "seen_at", "void has no Hive equivalent"),
        (DayTimeIntervalType(), "seen_at", "interval day to second has no Hive equivalent"),
        (ArrayType(StructType([StructField("at", TimestampNTZType())])), "seen_at.at", "timestamp_ntz"),
        (ArrayType(IntegerType(), containsNull=False), "seen_at", "set containsNull to true"),
        (
            StructType([StructField("city", StringType(), nullable=False)]),
            "seen_at.city",
            "cannot be declared non-null",
        ),
        (MapType(StringType(), IntegerType(), valueContainsNull=False), "seen_at.value", "valueContainsNull"),
        (MapType(ArrayType(StringType()), IntegerType()), "seen_at.key", "map keys must be a primitive type"),
        (StructType([StructField("city", StringType(), True, {"comment": "x"})]), "seen_at.city", "metadata"),
    ],
)
def test_spark_types_hive_cannot_express_are_refused(data_type: DataType, path: str, problem: str) -> None:
    with pytest.raises(SchemaConversionError) as error:
        to_hive_type(data_type, "seen_at")
    assert str(error.value).startswith(f"field '{path}': ")
    assert problem in str(error.value)


# --- Glue Catalog tables -------------------------------------------------------------------------

ORDERS_SCHEMA = StructType(
    [
        StructField("order_id", LongType(), False, {"comment": "Order key"}),
        StructField("status", StringType(), True),
        StructField(
            "lines",
            ArrayType(StructType([StructField("sku", StringType(), True), StructField("qty", IntegerType(), True)])),
            True,
            {"comment": "One entry per order line"},
        ),
        StructField("total", DecimalType(12, 2), False),
        StructField("order_date", DateType(), False, {"comment": "Day the order was placed", "partition_key": True}),
        StructField("region", StringType(), True, PARTITION),
    ]
)
ORDERS_TABLE = {
    "Name": "orders",
    "Description": "One row per order",
    "TableType": "EXTERNAL_TABLE",
    "Parameters": {"classification": "parquet"},
    "StorageDescriptor": {
        "Columns": [
            {"Name": "order_id", "Type": "bigint", "Comment": "Order key", "Parameters": {"nullable": "false"}},
            {"Name": "status", "Type": "string"},
            {"Name": "lines", "Type": "array<struct<sku:string,qty:int>>", "Comment": "One entry per order line"},
            {"Name": "total", "Type": "decimal(12,2)", "Parameters": {"nullable": "false"}},
        ],
        "Location": "s3://sales-bucket/orders/",
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            "Parameters": {"serialization.format": "1"},
        },
    },
    "PartitionKeys": [
        {
            "Name": "order_date",
            "Type": "date",
            "Comment": "Day the order was placed",
            "Parameters": {"nullable": "false"},
        },
        {"Name": "region", "Type": "string"},
    ],
}
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


def test_to_glue_table_writes_columns_comments_required_flags_and_partition_keys() -> None:
    table = to_glue_table(
        ORDERS_SCHEMA, "orders", "parquet", location="s3://sales-bucket/orders/", description="One row per order"
    )
    assert table == ORDERS_TABLE


def test_from_glue_table_reads_partition_keys_last_with_comments_and_required_flags() -> None:
    assert from_glue_table(ORDERS_TABLE) == ORDERS_SCHEMA


@pytest.mark.parametrize(("type_string", "data_type"), HIVE_ROUND_TRIPS)
def test_glue_round_trip_of_each_type(type_string: str, data_type: DataType) -> None:
    schema = StructType([StructField("value", data_type, True)])
    table = to_glue_table(schema, "t")
    assert table["StorageDescriptor"]["Columns"] == [{"Name": "value", "Type": type_string}]
    assert from_glue_table(table) == schema


@pytest.mark.parametrize(
    ("storage", "table_parameters", "formats", "serde"),
    [
        (
            "csv",
            {"classification": "csv", "skip.header.line.count": "1"},
            (TEXT_INPUT, TEXT_OUTPUT),
            {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                "Parameters": {"separatorChar": ",", "quoteChar": '"'},
            },
        ),
        (
            "json",
            {"classification": "json"},
            (TEXT_INPUT, TEXT_OUTPUT),
            {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe", "Parameters": {}},
        ),
    ],
)
def test_text_storages_use_the_serde_glue_crawlers_write(
    storage: str, table_parameters: dict[str, str], formats: tuple[str, str], serde: dict[str, Any]
) -> None:
    table = to_glue_table(ORDERS_SCHEMA, "orders", storage)
    descriptor = table["StorageDescriptor"]
    assert table["Parameters"] == table_parameters
    assert (descriptor["InputFormat"], descriptor["OutputFormat"]) == formats
    assert descriptor["SerdeInfo"] == serde
    assert "Location" not in descriptor
    assert "Description" not in table
    assert from_glue_table(table) == ORDERS_SCHEMA


@pytest.mark.parametrize("storage", ["parquet", "csv", "json"])
def test_glue_table_is_a_valid_create_table_request(storage: str) -> None:
    # botocore's own model of the Glue API checks every key and value type, offline.
    request_shape = botocore.session.get_session().get_service_model("glue").operation_model("CreateTable").input_shape
    assert request_shape is not None
    validate_parameters(
        {"DatabaseName": "sales", "TableInput": to_glue_table(ORDERS_SCHEMA, "orders", storage)}, request_shape
    )


def test_unknown_storage_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown storage 'orc'; choose one of: csv, json, parquet"):
        to_glue_table(ORDERS_SCHEMA, "orders", "orc")


def test_from_glue_table_reads_what_get_table_returns() -> None:
    # The shape of glue.get_table(...)["Table"] for a crawled CSV table: extra keys everywhere.
    table = {
        "Name": "payments",
        "DatabaseName": "sales",
        "Owner": "owner",
        "CreateTime": datetime(2024, 3, 1, 9, 0),
        "UpdateTime": datetime(2024, 3, 2, 9, 0),
        "LastAccessTime": datetime(2024, 3, 2, 9, 0),
        "Retention": 0,
        "StorageDescriptor": {
            "Columns": [
                {"Name": "customernumber", "Type": "bigint", "Parameters": {"nullable": "false"}},
                {"Name": "amount", "Type": "decimal(10,2)", "Comment": "In USD"},
                {"Name": "tags", "Type": "array<string>", "Parameters": {}},
            ],
            "Location": "s3://sales-bucket/payments/",
            "InputFormat": TEXT_INPUT,
            "OutputFormat": TEXT_OUTPUT,
            "Compressed": False,
            "NumberOfBuckets": -1,
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                "Parameters": {"separatorChar": ",", "quoteChar": '"'},
            },
            "BucketColumns": [],
            "SortColumns": [],
            "Parameters": {"classification": "csv"},
            "StoredAsSubDirectories": False,
        },
        "PartitionKeys": [{"Name": "year", "Type": "string"}],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv", "skip.header.line.count": "1", "UPDATED_BY_CRAWLER": "payments"},
        "CreatedBy": "arn:aws:sts::123456789012:assumed-role/crawler/session",
        "IsRegisteredWithLakeFormation": False,
        "CatalogId": "123456789012",
        "VersionId": "3",
    }
    assert from_glue_table(table) == StructType(
        [
            StructField("customernumber", LongType(), False),
            StructField("amount", DecimalType(10, 2), True, {"comment": "In USD"}),
            StructField("tags", ArrayType(StringType(), True), True),
            StructField("year", StringType(), True, PARTITION),
        ]
    )


def test_whole_get_table_response_is_refused_with_a_hint() -> None:
    with pytest.raises(SchemaConversionError, match=r"pass get_table\(\)\['Table'\]"):
        from_glue_table({"Table": ORDERS_TABLE})


@pytest.mark.parametrize(
    ("schema", "path", "problem"),
    [
        (
            StructType([StructField("lines", ArrayType(StructType([StructField("sku", StringType(), False)])))]),
            "lines.sku",
            "cannot be declared non-null",
        ),
        (StructType([StructField("scores", ArrayType(IntegerType(), False))]), "scores", "containsNull"),
        (
            StructType([StructField("stock", MapType(StringType(), LongType(), False))]),
            "stock.value",
            "valueContainsNull",
        ),
        (
            StructType([StructField("day", DateType(), False, PARTITION), StructField("amount", LongType())]),
            "amount",
            "comes after partition key 'day'; partition keys must be the last fields",
        ),
        (StructType([StructField("seen_at", TimestampNTZType())]), "seen_at", "timestamp_ntz has no Hive equivalent"),
        (StructType([StructField("day", ArrayType(DateType()), True, PARTITION)]), "day", "primitive type"),
        (StructType([StructField("id", LongType()), StructField("ID", LongType())]), "ID", "appears twice"),
        (StructType([StructField("id", LongType(), True, {"comment": "x" * 256})]), "id", "at most 255 characters"),
        (StructType([StructField("id", LongType(), True, {"unit": "kg"})]), "id", "metadata ['unit'] has no place"),
    ],
)
def test_schemas_glue_cannot_store_are_refused(schema: StructType, path: str, problem: str) -> None:
    with pytest.raises(SchemaConversionError) as error:
        to_glue_table(schema, "t")
    assert str(error.value).startswith(f"field '{path}': ")
    assert problem in str(error.value)


@pytest.mark.parametrize(
    ("columns", "partition_keys", "path"),
    [
        ([{"Name": "Amount", "Type": "decimal(10,2)"}, {"Name": "amount", "Type": "bigint"}], [], "amount"),
        ([{"Name": "id", "Type": "bigint"}, {"Name": "id", "Type": "bigint"}], [], "id"),
        ([{"Name": "order_date", "Type": "string"}], [{"Name": "Order_Date", "Type": "date"}], "Order_Date"),
        ([], [{"Name": "region", "Type": "string"}, {"Name": "REGION", "Type": "string"}], "REGION"),
    ],
    ids=["columns", "same-case", "column-and-partition-key", "partition-keys"],
)
def test_a_glue_column_named_twice_ignoring_case_is_refused(
    columns: list[dict[str, str]], partition_keys: list[dict[str, str]], path: str
) -> None:
    # Glue, Athena and Spark resolve column names ignoring case: Amount and amount are one column.
    table = {"Name": "t", "StorageDescriptor": {"Columns": columns}, "PartitionKeys": partition_keys}
    with pytest.raises(
        SchemaConversionError, match=re.escape(f"field '{path}': the name appears twice (ignoring case)")
    ):
        from_glue_table(table)


@pytest.mark.parametrize(
    ("column", "problem"),
    [
        ({"Name": "items", "Type": "array<struct<price:uniontype<int,string>>>"}, "field 'items.price': "),
        ({"Name": "id", "Type": "bigint", "Parameters": {"nullable": "no"}}, "field 'id': Parameters.nullable"),
        ({"Name": "id"}, "field 'id': a Glue column needs a Type"),
        ({"Type": "bigint"}, "a Glue column is an object with a Name and a Type"),
    ],
)
def test_unreadable_glue_columns_name_the_column(column: dict[str, Any], problem: str) -> None:
    with pytest.raises(SchemaConversionError, match=re.escape(problem)):
        from_glue_table({"Name": "t", "StorageDescriptor": {"Columns": [column]}})


# --- Avro ------------------------------------------------------------------------------------------

EVENTS_SCHEMA = StructType(
    [
        StructField("event_id", LongType(), False, {"comment": "Unique per event"}),
        StructField("is_test", BooleanType(), False),
        StructField("attempt", IntegerType(), True),
        StructField("score", FloatType(), True),
        StructField("weight", DoubleType(), True),
        StructField("payload", BinaryType(), True),
        StructField("kind", StringType(), False),
        StructField("amount", DecimalType(12, 2), True),
        StructField("seen_at", TimestampType(), False),
        StructField("local_time", TimestampNTZType(), True),
        StructField("tags", ArrayType(StringType(), containsNull=False), True),
        StructField("notes", ArrayType(StringType(), containsNull=True), True),
        StructField("counters", MapType(StringType(), LongType(), valueContainsNull=False), False),
        StructField(
            "device",
            StructType(
                [
                    StructField("model", StringType(), False, {"comment": "Vendor model name"}),
                    StructField("location", StructType([StructField("lat", DoubleType(), True)]), True),
                ]
            ),
            True,
        ),
        StructField("lines", ArrayType(StructType([StructField("sku", StringType(), False)]), True), True),
        StructField("event_date", DateType(), False, {"comment": "Day of seen_at", "partition_key": True}),
    ]
)
EVENTS_AVSC = {
    "type": "record",
    "name": "Event",
    "namespace": "telemetry.raw",
    "fields": [
        {"name": "event_id", "type": "long", "doc": "Unique per event"},
        {"name": "is_test", "type": "boolean"},
        {"name": "attempt", "type": ["null", "int"], "default": None},
        {"name": "score", "type": ["null", "float"], "default": None},
        {"name": "weight", "type": ["null", "double"], "default": None},
        {"name": "payload", "type": ["null", "bytes"], "default": None},
        {"name": "kind", "type": "string"},
        {
            "name": "amount",
            "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}],
            "default": None,
        },
        {"name": "seen_at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {
            "name": "local_time",
            "type": ["null", {"type": "long", "logicalType": "local-timestamp-micros"}],
            "default": None,
        },
        {"name": "tags", "type": ["null", {"type": "array", "items": "string"}], "default": None},
        {"name": "notes", "type": ["null", {"type": "array", "items": ["null", "string"]}], "default": None},
        {"name": "counters", "type": {"type": "map", "values": "long"}},
        {
            "name": "device",
            "type": [
                "null",
                {
                    "type": "record",
                    "name": "device",
                    "namespace": "telemetry.raw.Event",
                    "fields": [
                        {"name": "model", "type": "string", "doc": "Vendor model name"},
                        {
                            "name": "location",
                            "type": [
                                "null",
                                {
                                    "type": "record",
                                    "name": "location",
                                    "namespace": "telemetry.raw.Event.device",
                                    "fields": [{"name": "lat", "type": ["null", "double"], "default": None}],
                                },
                            ],
                            "default": None,
                        },
                    ],
                },
            ],
            "default": None,
        },
        {
            "name": "lines",
            "type": [
                "null",
                {
                    "type": "array",
                    "items": [
                        "null",
                        {
                            "type": "record",
                            "name": "lines",
                            "namespace": "telemetry.raw.Event",
                            "fields": [{"name": "sku", "type": "string"}],
                        },
                    ],
                },
            ],
            "default": None,
        },
        {
            "name": "event_date",
            "type": {"type": "int", "logicalType": "date"},
            "doc": "Day of seen_at",
            "partition_key": True,
        },
    ],
}


def test_to_avro_writes_every_type_with_nullable_unions_docs_and_partition_keys() -> None:
    assert checked_avro(EVENTS_SCHEMA, "Event", "telemetry.raw") == EVENTS_AVSC


def test_from_avro_reads_every_type_back() -> None:
    assert from_avro(EVENTS_AVSC) == EVENTS_SCHEMA


@pytest.mark.parametrize(("precision", "scale"), [(5, 5), (38, 38), (38, 0)])
def test_avro_decimals_up_to_a_scale_equal_to_the_precision_round_trip(precision: int, scale: int) -> None:
    schema = StructType([StructField("rate", DecimalType(precision, scale), False)])
    document = {
        "type": "record",
        "name": "Row",
        "fields": [
            {
                "name": "rate",
                "type": {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale},
            }
        ],
    }

    assert checked_avro(schema, "Row") == document
    assert from_avro(document) == schema


def test_to_avro_writes_the_record_doc() -> None:
    document = to_avro(StructType([StructField("id", LongType(), False)]), "Row", doc="One row")
    assert document == {"type": "record", "name": "Row", "doc": "One row", "fields": [{"name": "id", "type": "long"}]}


def test_adding_an_optional_field_is_backward_compatible() -> None:
    # Data written with the old contract is readable with the new one: the new field reads as null.
    old = checked_avro(StructType([StructField("id", LongType(), False)]), "Row")
    new = checked_avro(StructType([StructField("id", LongType(), False), StructField("note", StringType())]), "Row")
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(old), {"id": 7})
    buffer.seek(0)
    assert fastavro.schemaless_reader(buffer, fastavro.parse_schema(old), fastavro.parse_schema(new)) == {
        "id": 7,
        "note": None,
    }


@pytest.mark.parametrize(
    ("avro_type", "data_type", "nullable"),
    [
        ({"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"]}, StringType(), False),
        ({"type": "fixed", "name": "Digest", "size": 16}, BinaryType(), False),
        (
            {"type": "fixed", "name": "Money", "size": 8, "logicalType": "decimal", "precision": 18, "scale": 4},
            DecimalType(18, 4),
            False,
        ),
        ({"type": "bytes", "logicalType": "decimal", "precision": 5}, DecimalType(5, 0), False),
        ({"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 5}, DecimalType(5, 5), False),
        (
            {"type": "fixed", "name": "Rate", "size": 16, "logicalType": "decimal", "precision": 38, "scale": 38},
            DecimalType(38, 38),
            False,
        ),
        ({"type": "long", "logicalType": "timestamp-millis"}, TimestampType(), False),
        ({"type": "long", "logicalType": "local-timestamp-millis"}, TimestampNTZType(), False),
        ({"type": "string", "logicalType": "uuid"}, StringType(), False),
        ({"type": "int"}, IntegerType(), False),
        (["string", "null"], StringType(), True),
        (["long"], LongType(), False),
        ({"type": "map", "values": ["null", "int"]}, MapType(StringType(), IntegerType(), True), False),
    ],
)
def test_avro_types_read_one_way(avro_type: Any, data_type: DataType, nullable: bool) -> None:
    assert from_avro(avro_record({"name": "value", "type": avro_type})) == StructType(
        [StructField("value", data_type, nullable)]
    )


def test_named_avro_types_resolve_when_referenced_later() -> None:
    document = {
        "type": "record",
        "name": "Customer",
        "namespace": "crm",
        "fields": [
            {
                "name": "home",
                "type": {"type": "record", "name": "Address", "fields": [{"name": "city", "type": "string"}]},
            },
            {"name": "work", "type": ["null", "Address"], "default": None},
            {"name": "billing", "type": "crm.Address"},
            {"name": "tier", "type": {"type": "enum", "name": "Tier", "namespace": "crm.enums", "symbols": ["A"]}},
            {"name": "previous_tier", "type": ["null", "crm.enums.Tier"]},
        ],
    }
    address = StructType([StructField("city", StringType(), False)])
    assert from_avro(document) == StructType(
        [
            StructField("home", address, False),
            StructField("work", address, True),
            StructField("billing", address, False),
            StructField("tier", StringType(), False),
            StructField("previous_tier", StringType(), True),
        ]
    )


@pytest.mark.parametrize(
    ("avro_type", "path", "problem"),
    [
        (["int", "string"], "value", "the union ['int', 'string'] has no Spark type"),
        (["null", "int", "string"], "value", 'only ["null", T]'),
        ("null", "value", 'a field of type "null" is always null'),
        (["null"], "value", 'a field of type "null" is always null'),
        ({"type": "long", "logicalType": "timestamp-micro"}, "value", "logicalType 'timestamp-micro' on long"),
        ({"type": "int", "logicalType": "time-millis"}, "value", "supported logical types: date (int)"),
        ({"type": "bytes", "logicalType": "decimal", "precision": 39}, "value", "precision from 1 to 38"),
        ({"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 5}, "value", "scale 5 must be"),
        ({"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 39}, "value", "scale 39 must be"),
        ({"type": "fixed", "name": "F", "size": 2, "logicalType": "decimal", "precision": 9}, "value", "2 bytes"),
        ("Money", "value", "unknown Avro type 'Money'"),
        (
            {
                "type": "array",
                "items": {"type": "record", "name": "Line", "fields": [{"name": "q", "type": ["int", "long"]}]},
            },
            "value.q",
            "has no Spark type",
        ),
        (
            {"type": "map", "values": {"type": "record", "name": "Stock", "fields": [{"name": "n", "type": "null"}]}},
            "value.value.n",
            "always null",
        ),
    ],
)
def test_unreadable_avro_types_name_the_field(avro_type: Any, path: str, problem: str) -> None:
    with pytest.raises(SchemaConversionError) as error:
        from_avro(avro_record({"name": "value", "type": avro_type}))
    assert str(error.value).startswith(f"field '{path}': ")
    assert problem in str(error.value)


def test_recursive_avro_types_are_refused() -> None:
    document = avro_record({"name": "parent", "type": ["null", "Row"], "default": None})
    with pytest.raises(SchemaConversionError, match="field 'parent': type 'Row' contains itself"):
        from_avro(document)


def test_an_avro_document_must_be_a_record() -> None:
    with pytest.raises(SchemaConversionError, match="an Avro contract is a record schema"):
        from_avro({"type": "array", "items": "int"})


@pytest.mark.parametrize(
    ("data_type", "path", "problem"),
    [
        (ByteType(), "value", "declare the column as integer"),
        (ShortType(), "value", "declare the column as integer"),
        (NullType(), "value", "always null"),
        (DayTimeIntervalType(), "value", "interval day to second has no Avro equivalent"),
        (MapType(IntegerType(), StringType()), "value.key", "Avro map keys are strings, not int"),
        (ArrayType(StructType([StructField("small", ShortType())])), "value.small", "declare the column as integer"),
        (StructType([StructField("ship to", StringType())]), "value.ship to", "not a valid Avro name"),
    ],
)
def test_spark_types_avro_cannot_express_are_refused(data_type: DataType, path: str, problem: str) -> None:
    with pytest.raises(SchemaConversionError) as error:
        to_avro(StructType([StructField("value", data_type)]), "Row")
    assert str(error.value).startswith(f"field '{path}': ")
    assert problem in str(error.value)


def test_avro_record_names_must_be_valid() -> None:
    with pytest.raises(SchemaConversionError, match="the record name 'fact-orders' is not a valid Avro name"):
        to_avro(StructType([StructField("id", LongType())]), "fact-orders")
    with pytest.raises(SchemaConversionError, match="namespace 'classic models' part"):
        to_avro(StructType([StructField("id", LongType())]), "Orders", "classic models")


# --- pyspark StructType JSON -------------------------------------------------------------------------

SPARK_JSON = {
    "type": "struct",
    "fields": [
        {"name": "id", "type": "long", "nullable": False, "metadata": {"comment": "Key"}},
        {
            "name": "address",
            "type": {
                "type": "struct",
                "fields": [{"name": "city", "type": "string", "nullable": True, "metadata": {"comment": "Town"}}],
            },
            "nullable": True,
            "metadata": {},
        },
        {"name": "day", "type": "date", "nullable": False, "metadata": {"comment": "Partition", "partition_key": True}},
    ],
}
SPARK_SCHEMA = StructType(
    [
        StructField("id", LongType(), False, {"comment": "Key"}),
        StructField("address", StructType([StructField("city", StringType(), True, {"comment": "Town"})]), True),
        StructField("day", DateType(), False, {"comment": "Partition", "partition_key": True}),
    ]
)


def test_spark_json_round_trip_keeps_metadata() -> None:
    assert to_spark_json(SPARK_SCHEMA) == SPARK_JSON
    assert from_spark_json(SPARK_JSON) == SPARK_SCHEMA


def spark_json_column(column_type: Any) -> dict[str, Any]:
    return {"type": "struct", "fields": [{"name": "rate", "type": column_type, "nullable": True, "metadata": {}}]}


@pytest.mark.parametrize(
    ("column_type", "data_type"),
    [
        ("decimal(5,5)", DecimalType(5, 5)),
        ("decimal(38,38)", DecimalType(38, 38)),
        ("decimal(38,0)", DecimalType(38, 0)),
        (
            {"type": "array", "elementType": "decimal(1,1)", "containsNull": True},
            ArrayType(DecimalType(1, 1), True),
        ),
    ],
)
def test_spark_json_reads_decimals_up_to_a_scale_equal_to_the_precision(column_type: Any, data_type: DataType) -> None:
    assert from_spark_json(spark_json_column(column_type)) == StructType([StructField("rate", data_type, True)])


@pytest.mark.parametrize(
    ("column_type", "path", "problem"),
    [
        ("decimal(5,6)", "rate", "decimal(5,6) needs 1 <= precision <= 38 and 0 <= scale <= precision"),
        ("decimal(39,0)", "rate", "decimal(39,0) needs 1 <= precision <= 38"),
        ("decimal(0,0)", "rate", "decimal(0,0) needs 1 <= precision <= 38"),
        ("decimal(5,-1)", "rate", "decimal(5,-1) needs 1 <= precision <= 38 and 0 <= scale <= precision"),
        (
            {
                "type": "struct",
                "fields": [
                    {
                        "name": "fx",
                        "type": {
                            "type": "map",
                            "keyType": "string",
                            "valueType": "decimal(2,3)",
                            "valueContainsNull": True,
                        },
                        "nullable": True,
                        "metadata": {},
                    }
                ],
            },
            "rate.fx.value",
            "decimal(2,3) needs",
        ),
        ({"type": "array", "elementType": "decimal(40,2)", "containsNull": True}, "rate", "decimal(40,2) needs"),
    ],
)
def test_spark_json_refuses_decimals_spark_cannot_hold(column_type: Any, path: str, problem: str) -> None:
    # pyspark reads any decimal(p,s) from JSON; Spark itself would refuse it later, without naming the field.
    with pytest.raises(SchemaConversionError) as error:
        from_spark_json(spark_json_column(column_type))
    assert str(error.value).startswith(f"field '{path}': {problem}")


def test_spark_json_must_be_a_struct() -> None:
    with pytest.raises(SchemaConversionError, match='"type": "struct"'):
        from_spark_json({"type": "array", "elementType": "long", "containsNull": True})


# --- Value rules -----------------------------------------------------------------------------------

STATUSES = ["Shipped", "On Hold"]
RULED_SCHEMA = StructType(
    [
        StructField("order_id", LongType(), False, {"rules": {"min": 1}}),
        StructField("status", StringType(), True, {"comment": "Order status", "rules": {"allowed": STATUSES}}),
        StructField("sku", StringType(), False, {"rules": {"not_blank": True, "pattern": "S[0-9]+_[0-9]+"}}),
        StructField("price", DecimalType(10, 2), True, {"rules": {"min": 0, "max": 99999.99}}),
        StructField("order_date", DateType(), False, {"partition_key": True, "rules": {"min": "2003-01-01"}}),
    ]
)
RULED_SPARK_JSON = {
    "type": "struct",
    "fields": [
        {"name": "order_id", "type": "long", "nullable": False, "metadata": {"rules": {"min": 1}}},
        {
            "name": "status",
            "type": "string",
            "nullable": True,
            "metadata": {"comment": "Order status", "rules": {"allowed": ["Shipped", "On Hold"]}},
        },
        {
            "name": "sku",
            "type": "string",
            "nullable": False,
            "metadata": {"rules": {"not_blank": True, "pattern": "S[0-9]+_[0-9]+"}},
        },
        {
            "name": "price",
            "type": "decimal(10,2)",
            "nullable": True,
            "metadata": {"rules": {"min": 0, "max": 99999.99}},
        },
        {
            "name": "order_date",
            "type": "date",
            "nullable": False,
            "metadata": {"partition_key": True, "rules": {"min": "2003-01-01"}},
        },
    ],
}
RULED_AVSC = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "order_id", "type": "long", "rules": {"min": 1}},
        {
            "name": "status",
            "type": ["null", "string"],
            "default": None,
            "doc": "Order status",
            "rules": {"allowed": ["Shipped", "On Hold"]},
        },
        {"name": "sku", "type": "string", "rules": {"not_blank": True, "pattern": "S[0-9]+_[0-9]+"}},
        {
            "name": "price",
            "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}],
            "default": None,
            "rules": {"min": 0, "max": 99999.99},
        },
        {
            "name": "order_date",
            "type": {"type": "int", "logicalType": "date"},
            "partition_key": True,
            "rules": {"min": "2003-01-01"},
        },
    ],
}
RULED_TABLE = {
    "Name": "orders",
    "TableType": "EXTERNAL_TABLE",
    "Parameters": {"classification": "parquet"},
    "StorageDescriptor": {
        "Columns": [
            {"Name": "order_id", "Type": "bigint", "Parameters": {"nullable": "false", "rules": '{"min": 1}'}},
            {
                "Name": "status",
                "Type": "string",
                "Comment": "Order status",
                "Parameters": {"rules": '{"allowed": ["Shipped", "On Hold"]}'},
            },
            {
                "Name": "sku",
                "Type": "string",
                "Parameters": {"nullable": "false", "rules": '{"not_blank": true, "pattern": "S[0-9]+_[0-9]+"}'},
            },
            {"Name": "price", "Type": "decimal(10,2)", "Parameters": {"rules": '{"min": 0, "max": 99999.99}'}},
        ],
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            "Parameters": {"serialization.format": "1"},
        },
    },
    "PartitionKeys": [
        {"Name": "order_date", "Type": "date", "Parameters": {"nullable": "false", "rules": '{"min": "2003-01-01"}'}}
    ],
}


def test_spark_json_carries_rules_in_the_field_metadata() -> None:
    assert to_spark_json(RULED_SCHEMA) == RULED_SPARK_JSON
    assert from_spark_json(RULED_SPARK_JSON) == RULED_SCHEMA


def test_avro_carries_rules_as_a_field_attribute() -> None:
    assert checked_avro(RULED_SCHEMA, "Order") == RULED_AVSC
    assert from_avro(RULED_AVSC) == RULED_SCHEMA


def test_glue_carries_rules_as_a_json_column_parameter_create_table_accepts() -> None:
    assert to_glue_table(RULED_SCHEMA, "orders") == RULED_TABLE
    assert from_glue_table(RULED_TABLE) == RULED_SCHEMA
    request_shape = botocore.session.get_session().get_service_model("glue").operation_model("CreateTable").input_shape
    assert request_shape is not None
    validate_parameters({"DatabaseName": "sales", "TableInput": RULED_TABLE}, request_shape)


def test_rules_are_read_in_any_order_and_an_empty_set_is_no_rules() -> None:
    document = spark_json_column("decimal(10,2)")
    document["fields"][0]["metadata"] = {"rules": {"max": 5, "min": 0}, "comment": "Rate"}
    assert from_spark_json(document).fields[0].metadata == {"comment": "Rate", "rules": {"min": 0, "max": 5}}
    document["fields"][0]["metadata"] = {"rules": {}}
    assert from_spark_json(document) == StructType([StructField("rate", DecimalType(10, 2), True)])


# A one-column contract of each format, for the parse errors below.
RULE_COLUMN_TYPES: dict[str, tuple[Any, Any, str]] = {
    "string": ("string", "string", "string"),
    "int": ("integer", "int", "int"),
    "boolean": ("boolean", "boolean", "boolean"),
    "decimal(10,2)": (
        "decimal(10,2)",
        {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2},
        "decimal(10,2)",
    ),
    "date": ("date", {"type": "int", "logicalType": "date"}, "date"),
    "timestamp": ("timestamp", {"type": "long", "logicalType": "timestamp-micros"}, "timestamp"),
}


def one_column_contract(suffix: str, column_type: str, rules: Any) -> str:
    spark_type, avro_type, hive_type = RULE_COLUMN_TYPES[column_type]
    document: dict[str, Any]
    if suffix == ".spark.json":
        column = {"name": "amount", "type": spark_type, "nullable": True, "metadata": {"rules": rules}}
        document = {"type": "struct", "fields": [column]}
    elif suffix == ".avsc":
        document = {"type": "record", "name": "Row", "fields": [{"name": "amount", "type": avro_type, "rules": rules}]}
    else:
        parameters = {"rules": json.dumps(rules)}
        document = {"StorageDescriptor": {"Columns": [{"Name": "amount", "Type": hive_type, "Parameters": parameters}]}}
    return json.dumps(document)


@pytest.mark.parametrize("suffix", [".spark.json", ".avsc", ".glue.json"])
@pytest.mark.parametrize(
    ("column_type", "rules", "problem"),
    [
        ("string", ["not_blank"], 'rules are an object such as {"min": 0}, got ["not_blank"]'),
        ("int", {"minimum": 0}, "unknown rule 'minimum'; the rules are min, max, not_blank, allowed, pattern"),
        ("string", {"min": 0}, "rule 'min' does not fit a string column; it is for numeric, decimal and date columns"),
        ("timestamp", {"max": "2024-01-01"}, "rule 'max' does not fit a timestamp column"),
        ("int", {"not_blank": True}, "rule 'not_blank' does not fit an int column; it is for string columns"),
        ("decimal(10,2)", {"pattern": "[0-9]+"}, "rule 'pattern' does not fit a decimal(10,2) column"),
        ("boolean", {"allowed": [True]}, "rule 'allowed' does not fit a boolean column"),
        ("int", {"min": 10, "max": 5}, "rule 'min' 10 is greater than rule 'max' 5: no value passes"),
        ("date", {"min": "2024-02-01", "max": "2024-01-31"}, "rule 'min' 2024-02-01 is greater than rule 'max'"),
        ("int", {"min": "0"}, "rule 'min' is a number, got \"0\""),
        ("int", {"max": True}, "rule 'max' is a number, got true"),
        ("int", {"min": 0.5}, "rule 'min' on an integer column is an integer, got 0.5"),
        ("decimal(10,2)", {"max": 100000000}, "rule 'max' 100000000 is beyond what a decimal(10,2) column holds"),
        (
            "date",
            {"min": "2024-1-5"},
            'rule \'min\' on a date column is an ISO date such as "2024-01-31", got "2024-1-5"',
        ),
        ("date", {"min": "2024-02-30"}, "rule 'min' \"2024-02-30\" is not a calendar date"),
        ("string", {"not_blank": False}, "rule 'not_blank' is true (leave it out to allow blank values), got false"),
        ("string", {"allowed": []}, "rule 'allowed' is a non-empty list of values, got []"),
        ("string", {"allowed": ["a", 1]}, "rule 'allowed' on a string column lists strings, got 1"),
        ("int", {"allowed": [1, 2.5]}, "rule 'allowed' on an int column lists integers, got 2.5"),
        ("string", {"allowed": ["a", "b", "a"]}, "rule 'allowed' lists \"a\" more than once"),
        ("string", {"pattern": ""}, "rule 'pattern' is a non-empty regular expression, got \"\""),
        ("string", {"pattern": "S[0-9"}, "rule 'pattern' 'S[0-9' is not a valid regular expression"),
        ("string", {"pattern": "a)"}, "rule 'pattern' 'a)' is not a valid regular expression: unbalanced parenthesis"),
        ("string", {"pattern": "[z-a]"}, "rule 'pattern' '[z-a]' is not a valid regular expression: bad character"),
        ("string", {"pattern": "(?P<code>S)"}, "rule 'pattern' '(?P<code>S)' at 0: '(?': named groups"),
        ("string", {"pattern": "(?i)abc"}, "rule 'pattern' '(?i)abc' at 0: '(?': named groups, lookarounds and"),
        ("string", {"pattern": "\\p{L}+"}, "rule 'pattern' '\\p{L}+' at 0: the escape \\p, which the two read"),
        ("string", {"pattern": "\\bword"}, "rule 'pattern' '\\bword' at 0: the escape \\b, which the two read"),
        ("string", {"pattern": "x\\Z"}, "rule 'pattern' 'x\\Z' at 1: the escape \\Z, which the two read"),
        ("string", {"pattern": "a{,3}"}, "rule 'pattern' 'a{,3}' at 1: a '{' that is no quantifier {n}, {n,} or"),
        ("string", {"pattern": "[a-z&&[^q]]"}, "rule 'pattern' '[a-z&&[^q]]' at 4: '&' inside a class (Java: a"),
        ("string", {"pattern": "[[a]]"}, "rule 'pattern' '[[a]]' at 1: '[' inside a class"),
        ("string", {"pattern": "a*+"}, "rule 'pattern' 'a*+' at 2: a quantifier needs something to repeat, and"),
        ("string", {"pattern": "*a"}, "rule 'pattern' '*a' at 0: a quantifier needs something to repeat"),
        ("string", {"pattern": "a\\"}, "rule 'pattern' 'a\\' at 1: a backslash with nothing after it"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_file_the_field_and_the_rule(
    suffix: str, column_type: str, rules: Any, problem: str
) -> None:
    with pytest.raises(ContractError) as error:
        parse_contract("payments", f"payments{suffix}", one_column_contract(suffix, column_type, rules))
    assert str(error.value).startswith(f"Contract payments{suffix}: field 'amount': {problem}")


def test_a_pattern_outside_the_portable_syntax_is_told_what_is_accepted() -> None:
    with pytest.raises(SchemaConversionError) as error:
        from_avro(avro_record({"name": "code", "type": "string", "rules": {"pattern": "(?<=a)b"}}))
    assert str(error.value) == (
        "field 'code': rule 'pattern' '(?<=a)b' at 0: '(?': named groups, lookarounds and inline flags differ "
        f"(only (?:...)). A pattern keeps to what Python and Java (Spark) read alike: {PATTERN_SYNTAX}"
    )


@pytest.mark.parametrize(
    ("parameter", "shown"),
    [('{"min": 0', "'{\"min\": 0' (Expecting"), ("min=0", "'min=0' (Expecting value")],
)
def test_a_glue_rules_parameter_must_hold_json(parameter: str, shown: str) -> None:
    table = {"StorageDescriptor": {"Columns": [{"Name": "amount", "Type": "int", "Parameters": {"rules": parameter}}]}}
    with pytest.raises(SchemaConversionError) as error:
        from_glue_table(table)
    expected = 'field \'amount\': Parameters.rules is a JSON object in a string, such as "{\\"min\\": 0}", got '
    assert str(error.value).startswith(expected + shown)


def test_rules_belong_to_top_level_columns() -> None:
    qty = {"name": "qty", "type": "integer", "nullable": True, "metadata": {"rules": {"min": 0}}}
    line = {"name": "line", "type": {"type": "struct", "fields": [qty]}, "nullable": True, "metadata": {}}
    with pytest.raises(SchemaConversionError, match=r"^field 'line\.qty': 'rules' apply to top-level columns"):
        from_spark_json({"type": "struct", "fields": [line]})
    record = {"type": "record", "name": "Line", "fields": [{"name": "qty", "type": "int", "rules": {"min": 0}}]}
    with pytest.raises(SchemaConversionError, match=r"^field 'line\.qty': 'rules' apply to top-level columns"):
        from_avro(avro_record({"name": "line", "type": record}))
    nested = StructType([StructField("qty", IntegerType(), True, {"rules": {"min": 0}})])
    with pytest.raises(SchemaConversionError, match=r"^field 'line\.qty': 'rules' apply to top-level columns"):
        to_avro(StructType([StructField("line", nested)]), "Row")


# --- The shipped contracts -------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", available())
def test_every_contract_converts_to_each_format_and_back(dataset: str) -> None:
    schema = load_contract(dataset).schema
    assert from_avro(checked_avro(schema, "Dataset", "contracts")) == schema
    assert from_glue_table(to_glue_table(schema, dataset)) == schema
    assert from_spark_json(to_spark_json(schema)) == schema
