"""Schema formats <-> Spark ``StructType``.

- ``pyspark``: StructType JSON, exactly as ``StructType.jsonValue()`` writes it;
- ``avro``: an Avro record schema (``.avsc``);
- ``glue``: a Glue Catalog ``TableInput`` with Hive type strings.

Anything that cannot be mapped raises ``SchemaConversionError`` naming the field; nothing falls back
to ``string``. Field paths name nested fields with dots (``items.price``); an array's elements share
the array's path and a map's parts are ``<map>.key`` and ``<map>.value``.
"""

from .avro import from_avro, to_avro
from .common import COMMENT, PARTITION_KEY, RULES, SchemaConversionError
from .glue_table import GLUE_STORAGE, GlueStorage, from_glue_table, to_glue_table
from .hive_types import parse_hive_type, to_hive_type
from .spark_json import from_spark_json, to_spark_json

__all__ = [
    "COMMENT",
    "GLUE_STORAGE",
    "PARTITION_KEY",
    "RULES",
    "GlueStorage",
    "SchemaConversionError",
    "from_avro",
    "from_glue_table",
    "from_spark_json",
    "parse_hive_type",
    "to_avro",
    "to_glue_table",
    "to_hive_type",
    "to_spark_json",
]
