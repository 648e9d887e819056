"""Schema contracts: one file per dataset, read by the readers, the output checks, the test builders
and the Glue Catalog definition alike.

A contract is a Spark ``StructType`` loaded from ``contracts/schemas/<dataset>.<suffix>``, where the
suffix names its format (see ``formats.py``). Nullability is the contract's word on which columns are
required. Two things travel in each field's metadata, in every format:

- ``comment``: the column's description (Avro ``doc``, Glue ``Comment``);
- ``partition_key``: true for the columns the dataset is partitioned by (Glue ``PartitionKeys``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

from pyspark.sql.types import StructField, StructType

from . import formats

SCHEMAS = "schemas"
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


def schemas_dir() -> Traversable:
    """Where the contract files live; inside the package, so they ship with the job's wheel."""
    return resources.files(__package__).joinpath(SCHEMAS)


def available() -> list[str]:
    """Every dataset that has a contract, sorted."""
    names = set()
    for entry in schemas_dir().iterdir():
        for suffix in READERS:
            if entry.name.endswith(suffix):
                names.add(entry.name[: -len(suffix)])
    return sorted(names)


def load_contract(name: str) -> Contract:
    """The contract of dataset ``name``, from whichever format its file is in."""
    directory = schemas_dir()
    found = [(suffix, directory.joinpath(name + suffix)) for suffix in READERS]
    present = [(suffix, path) for suffix, path in found if path.is_file()]
    if not present:
        expected = ", ".join(name + suffix for suffix in READERS)
        raise ContractError(
            f"No contract for dataset '{name}': expected one of {expected} in {directory}. "
            f"Known datasets: {', '.join(available()) or 'none'}."
        )
    if len(present) > 1:
        names = ", ".join(path.name for _, path in present)
        raise ContractError(f"Dataset '{name}' has {len(present)} contract files ({names}); keep exactly one.")
    suffix, path = present[0]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ContractError(f"Contract {path.name} is not valid JSON: {exc}") from None
    try:
        schema = READERS[suffix](document)
    except formats.SchemaConversionError as exc:
        raise ContractError(f"Contract {path.name}: {exc}") from None
    return Contract(name=name, schema=schema)
