"""Glue ``TableInput`` -> Terraform: the catalog tables of ``infra/`` are the contracts' own.

``make package`` writes ``infra/catalog_tables.tf.json``: one ``aws_glue_catalog_table`` per declared
output, in Terraform's JSON syntax, so ``terraform apply`` creates exactly the tables ``make
schema-check`` compares the contracts with. Every field of the ``TableInput`` is mapped; one this
module does not know is an error rather than a table Terraform would create without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# Written at the top of the generated file: Terraform's JSON syntax ignores "//" keys.
GENERATED_NOTE = (
    "Written by 'make package' from the contracts (kit/contracts/terraform.py); edit the contracts instead."
)
RESOURCE = "aws_glue_catalog_table"


class TerraformTableError(ValueError):
    """A TableInput field the Terraform mapping does not know; the message names it."""


def _mapped(source: Mapping[str, Any], fields: Mapping[str, str], where: str) -> dict[str, Any]:
    unknown = sorted(set(source) - set(fields))
    if unknown:
        raise TerraformTableError(
            f"{where}: no Terraform attribute for {', '.join(unknown)}; add it to kit/contracts/terraform.py."
        )
    return {fields[key]: value for key, value in source.items()}


COLUMN_FIELDS = {"Name": "name", "Type": "type", "Comment": "comment", "Parameters": "parameters"}
SERDE_FIELDS = {"SerializationLibrary": "serialization_library", "Parameters": "parameters", "Name": "name"}
DESCRIPTOR_FIELDS = {
    "Columns": "columns",
    "Location": "location",
    "InputFormat": "input_format",
    "OutputFormat": "output_format",
    "SerdeInfo": "ser_de_info",
    "Compressed": "compressed",
}
TABLE_FIELDS = {
    "Name": "name",
    "Description": "description",
    "TableType": "table_type",
    "Parameters": "parameters",
    "StorageDescriptor": "storage_descriptor",
    "PartitionKeys": "partition_keys",
}


def terraform_table(table: Mapping[str, Any], database: str) -> dict[str, Any]:
    """One ``aws_glue_catalog_table``'s arguments for ``table`` (a ``TableInput``) in ``database``."""
    name = str(table.get("Name", "?"))
    resource = _mapped(table, TABLE_FIELDS, name)
    descriptor = _mapped(table["StorageDescriptor"], DESCRIPTOR_FIELDS, f"{name}.StorageDescriptor")
    descriptor["columns"] = [
        _mapped(column, COLUMN_FIELDS, f"{name}.StorageDescriptor.Columns") for column in descriptor.get("columns", [])
    ]
    if "ser_de_info" in descriptor:
        descriptor["ser_de_info"] = _mapped(descriptor["ser_de_info"], SERDE_FIELDS, f"{name}.SerdeInfo")
    resource["storage_descriptor"] = descriptor
    resource["partition_keys"] = [
        _mapped(key, COLUMN_FIELDS, f"{name}.PartitionKeys") for key in resource.get("partition_keys", [])
    ]
    return {"database_name": database, **resource}


def terraform_tables(tables: Mapping[str, Mapping[str, Any]], database: str) -> str:
    """The ``.tf.json`` text declaring every table of ``tables`` (dataset -> ``TableInput``) in ``database``.

    ``database`` and the tables' locations may be Terraform expressions (``${aws_glue_catalog_database.job.name}``).
    """
    document = {
        "//": GENERATED_NOTE,
        "resource": {RESOURCE: {dataset: terraform_table(table, database) for dataset, table in tables.items()}},
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"
