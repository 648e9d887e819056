"""Schema contracts: one file per dataset, read by the readers, the output checks, the test builders
and the Glue Catalog definition alike.

A contract is a Spark ``StructType`` parsed from the job's ``schemas/<dataset>.<suffix>`` file, where
the suffix names its format (see ``formats/``; ``kit/declarations.py`` finds and reads the files).
Nullability is the contract's word on which columns are required.
Three things travel in each field's metadata, in every format:

- ``comment``: the column's description (Avro ``doc``, Glue ``Comment``);
- ``partition_key``: true for the columns the dataset is partitioned by (Glue ``PartitionKeys``);
- ``rules``: what a top-level column's values must be beyond their type, e.g. ``{"min": 0}`` (an Avro field
  attribute; in Glue the column parameter ``rules``, the same object as a JSON string). ``rules.py`` says
  which rules there are; they are checked when the contract is parsed, and on the data by the compliance check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pyspark.sql.types import StructField, StructType

from . import formats

# File suffix -> reader of that format's document; the suffix is how a file declares its format.
READERS = {
    ".spark.json": formats.from_spark_json,
    ".avsc": formats.from_avro,
    ".glue.json": formats.from_glue_table,
}


class ContractError(ValueError):
    """A contract file is missing, duplicated or unreadable."""


@dataclass(frozen=True)
class Contract:
    """A dataset's agreed shape: its name and its schema (partition keys last, as Spark reads them)."""

    name: str
    schema: StructType

    @property
    def columns(self) -> list[str]:
        return [field.name for field in self.schema.fields]

    @property
    def required(self) -> list[str]:
        """Columns that must never be null, checked on the data, not only on the schema flag."""
        return [field.name for field in self.schema.fields if not field.nullable]

    @property
    def partition_keys(self) -> list[str]:
        return [field.name for field in self.schema.fields if field.metadata.get("partition_key")]

    @property
    def data_columns(self) -> list[str]:
        """The columns stored inside the files (everything but the partition keys)."""
        keys = set(self.partition_keys)
        return [name for name in self.columns if name not in keys]

    def field(self, name: str) -> StructField:
        return self.schema[name]


def contract_suffix(filename: str) -> str | None:
    """The format suffix ``filename`` ends with, or None if it is not a contract file."""
    return next((suffix for suffix in READERS if filename.endswith(suffix)), None)


def parse_contract(name: str, filename: str, text: str) -> Contract:
    """Dataset ``name``'s contract from the text of its file; the file's suffix says its format."""
    suffix = contract_suffix(filename)
    if suffix is None:
        raise ContractError(f"{filename} is not a contract file; contract files end with {', '.join(READERS)}")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError(f"Contract {filename} is not valid JSON: {exc}") from None
    try:
        schema = READERS[suffix](document)
    except formats.SchemaConversionError as exc:
        raise ContractError(f"Contract {filename}: {exc}") from None
    return Contract(name=name, schema=schema)
