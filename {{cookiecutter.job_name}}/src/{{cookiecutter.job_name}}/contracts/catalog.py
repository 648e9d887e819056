"""Glue Catalog table definitions from the contracts, so the catalog is the contract, converted.

``python -m <package>.contracts.catalog fact_orders dim_customers --location-prefix s3://lake/star``
writes one ``TableInput`` JSON per dataset (default folder ``build/catalog``; ``--location`` sets the
exact Location of a single table instead), the shape that
``aws glue create-table --table-input file://...``, CloudFormation's ``AWS::Glue::Table`` and
Terraform's ``aws_glue_catalog_table`` (through ``jsondecode``) take. ``make catalog-tables`` runs
it for the job's outputs. ``make schema-check`` then compares what is deployed with the same contracts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import ContractError, load_contract
from .formats import GLUE_STORAGE, SchemaConversionError, to_glue_table


def table_input(dataset: str, storage: str = "parquet", location: str | None = None) -> dict[str, Any]:
    """The Glue ``TableInput`` of ``dataset``'s contract; its partition keys become ``PartitionKeys``."""
    return to_glue_table(load_contract(dataset).schema, dataset, storage=storage, location=location)


def dataset_location(prefix: str | None, dataset: str) -> str | None:
    """``<prefix>/<dataset>/``: where the job writes the dataset when its output path is ``prefix``."""
    return None if prefix is None else f"{prefix.rstrip('/')}/{dataset}/"


def write_table_inputs(
    datasets: Sequence[str], out_dir: Path, storage: str = "parquet", locations: dict[str, str | None] | None = None
) -> list[Path]:
    """One ``<dataset>.json`` per dataset in ``out_dir``; every contract is converted before any file is written."""
    where = locations or {}
    tables = {name: table_input(name, storage, where.get(name)) for name in datasets}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}.catalog", description="Write Glue TableInput JSON files from the contracts."
    )
    parser.add_argument("datasets", nargs="+", help="datasets to export (each needs a contract)")
    parser.add_argument("--out", type=Path, default=Path("build/catalog"), help="default: %(default)s")
    parser.add_argument("--storage", choices=sorted(GLUE_STORAGE), default="parquet", help="default: %(default)s")
    place = parser.add_mutually_exclusive_group()
    place.add_argument("--location-prefix", help="a job output path holding one folder per table: <prefix>/<dataset>/")
    place.add_argument("--location", help="the exact Location of the one dataset given (a job writing one table)")
    args = parser.parse_args(argv)
    if args.location and len(args.datasets) != 1:
        parser.error(f"--location is the folder of one table, but {len(args.datasets)} datasets were given")
    if args.location:
        locations = {args.datasets[0]: args.location}
    else:
        locations = {name: dataset_location(args.location_prefix, name) for name in args.datasets}
    try:
        written = write_table_inputs(args.datasets, args.out, args.storage, locations)
    except (ContractError, SchemaConversionError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
