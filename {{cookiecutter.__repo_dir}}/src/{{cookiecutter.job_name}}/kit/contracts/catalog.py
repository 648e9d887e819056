"""Glue Catalog table definitions from the contracts, so the catalog is the contract, converted.

``table_input`` gives the ``TableInput`` that ``aws glue create-table --table-input file://...``,
CloudFormation's ``AWS::Glue::Table`` and Terraform's ``aws_glue_catalog_table`` (through
``jsondecode``) take. ``make catalog-tables`` (``kit/cli/catalog_tables.py``) writes one per output.
"""

from __future__ import annotations

from typing import Any

from . import Contract
from .formats import to_glue_table


def table_input(contract: Contract, storage: str = "parquet", location: str | None = None) -> dict[str, Any]:
    """The Glue ``TableInput`` of ``contract``; its partition keys become ``PartitionKeys``."""
    return to_glue_table(contract.schema, contract.name, storage=storage, location=location)


def dataset_location(prefix: str | None, dataset: str) -> str | None:
    """``<prefix>/<dataset>/``: where the job writes the dataset when its output path is ``prefix``."""
    return None if prefix is None else f"{prefix.rstrip('/')}/{dataset}/"
