"""``make catalog-tables``: one Glue ``TableInput`` JSON file per output, from its contract.

``python -m <package>.kit.cli.catalog_tables --location-prefix s3://lake/star`` writes the tables of every
output the jobs declare (``jobs/<job>.json``) into ``build/catalog``; name datasets to export only those.
``--location`` sets the exact Location of a single table instead. ``--terraform FILE`` writes the same
tables as Terraform resources (``infra/catalog_tables.tf.json``; locations and ``--database`` may be
Terraform expressions). ``make schema-check`` then compares what is deployed with the same contracts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ..contracts import ContractError
from ..contracts.catalog import dataset_location, table_input
from ..contracts.formats import GLUE_STORAGE, SchemaConversionError
from ..contracts.terraform import TerraformTableError, terraform_tables
from ..declarations import DeclarationError, declared_jobs, load_contract, load_job
from ..io.publish import PublishError, split_location


def declared_outputs() -> list[str]:
    """Every output of every declared job, in declaration order."""
    outputs: list[str] = []
    for job in declared_jobs():
        outputs += [name for name in load_job(job).outputs if name not in outputs]
    return outputs


def write_table_inputs(
    datasets: Sequence[str], out_dir: Path, storage: str = "parquet", locations: dict[str, str | None] | None = None
) -> list[Path]:
    """One ``<dataset>.json`` per dataset in ``out_dir``; every contract is converted before any file is written."""
    where = locations or {}
    tables = {name: table_input(load_contract(name), storage, where.get(name)) for name in datasets}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def write_terraform_tables(
    datasets: Sequence[str], path: Path, database: str, storage: str, locations: dict[str, str | None]
) -> Path:
    """The tables of ``datasets`` as one ``.tf.json`` file of ``aws_glue_catalog_table`` resources."""
    tables = {name: table_input(load_contract(name), storage, locations.get(name)) for name in datasets}
    text = terraform_tables(tables, database)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__name__}", description="Write Glue TableInput JSON files from the contracts."
    )
    parser.add_argument("datasets", nargs="*", help="datasets to export (default: every declared output)")
    parser.add_argument("--out", type=Path, default=Path("build/catalog"), help="default: %(default)s")
    parser.add_argument("--storage", choices=sorted(GLUE_STORAGE), default="parquet", help="default: %(default)s")
    place = parser.add_mutually_exclusive_group()
    place.add_argument("--location-prefix", help="a job output path holding one folder per table: <prefix>/<dataset>/")
    place.add_argument(
        "--location",
        help="the exact Location of the first dataset (a job whose output path is its one table); any other "
        "dataset goes beside it, <parent>/<dataset>/, as kit/steps.output_paths places it",
    )
    parser.add_argument(
        "--beside",
        help="with --location: the parent those other datasets go under, when --location cannot be split (a "
        "Terraform expression such as ${local.output_path})",
    )
    parser.add_argument("--terraform", type=Path, help="write one .tf.json of aws_glue_catalog_table resources instead")
    parser.add_argument(
        "--database",
        default="${aws_glue_catalog_database.job.name}",
        help="with --terraform: the tables' database (default: %(default)s, the one infra/catalog.tf declares)",
    )
    args = parser.parse_args(argv)
    try:
        datasets = args.datasets or declared_outputs()
        if args.beside and not args.location:
            parser.error("--beside places the datasets beside --location's table; give --location too")
        if args.location:
            first, *others = datasets
            parent = (args.beside or split_location(args.location)[0]) if others else None
            locations = {first: args.location, **{name: dataset_location(parent, name) for name in others}}
        else:
            locations = {name: dataset_location(args.location_prefix, name) for name in datasets}
        if args.terraform:
            written = [write_terraform_tables(datasets, args.terraform, args.database, args.storage, locations)]
        else:
            written = write_table_inputs(datasets, args.out, args.storage, locations)
    except (ContractError, DeclarationError, PublishError, SchemaConversionError, TerraformTableError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
