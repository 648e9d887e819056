"""``make schema-check``: the contracts against the deployed Glue tables and the bundled sample data.

Run ``python -m <package>.kit.cli.schema_check --help``; exit status 0 = nothing breaking, 1 = something
breaking, 2 = the check could not run (e.g. the Glue Catalog cannot be read). What counts as breaking is
explained in ``kit/contracts/drift.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..contracts import Contract, ContractError
from ..contracts.drift import Section
from ..declarations import load_all_contracts
from ..io.glue_catalog import OFFLINE_HINT, CatalogUnavailableError, check_catalog, glue_client
from ..io.sample_data import SampleDataError, check_sample_data, find_sample_folders
from ..runtime.spark import local_spark

CATALOG_ADVICE = (
    "A breaking change needs the existing data migrated (or a new table) before the contract changes; "
    "otherwise keep the contract compatible."
)
SAMPLE_DATA_ADVICE = "Fix the sample data (or the contract, if the data is right)."


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__name__}",
        description="Compare the schema contracts with the deployed Glue tables and the bundled sample data.",
        epilog="Exit status: 0 nothing breaking, 1 a breaking change, 2 the check could not run "
        "(the Glue Catalog could not be read, or the sample-data folder is wrong).",
    )
    parser.add_argument("--sample-data", type=Path, default=Path("sample_data"), help="default: %(default)s")
    parser.add_argument("--no-sample-data", action="store_true", help="skip the sample-data check (no Spark)")
    parser.add_argument("--database", default=os.environ.get("GLUE_DATABASE"), help="Glue database of the tables")
    parser.add_argument("--region", default=None, help="AWS region (default: the AWS SDK's, e.g. AWS_REGION)")
    parser.add_argument("--no-catalog", action="store_true", help="skip the Glue Catalog (offline)")
    args = parser.parse_args(argv)
    if not args.no_catalog and not args.database:
        parser.error(f"--database is required to read the Glue Catalog; pass it (or set GLUE_DATABASE), {OFFLINE_HINT}")
    return args


def catalog_section(database: str, region: str | None, contracts: Mapping[str, Contract]) -> Section:
    glue = glue_client(region, database)
    title = f"Glue Catalog: database {database} ({glue.meta.region_name})"
    return Section(title, check_catalog(glue, database, contracts), CATALOG_ADVICE)


def sample_data_section(root: Path, contracts: Mapping[str, Contract]) -> Section:
    folders = find_sample_folders(root, contracts)
    unchecked = [
        f"{folder}: not checked; no dataset named '{folder.name}' has a contract" for folder in folders.without_contract
    ]
    if not folders.datasets:
        return Section(f"Sample data: {root}", unchecked=unchecked)
    spark, started = local_spark()
    try:
        reports = [check_sample_data(spark, contracts[name], path) for name, path in folders.datasets.items()]
        return Section(f"Sample data: {root}", reports, SAMPLE_DATA_ADVICE, unchecked)
    finally:
        if started:
            spark.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    contracts = load_all_contracts()
    sections: list[Section] = []
    try:
        if not args.no_catalog:
            sections.append(catalog_section(args.database, args.region, contracts))
        if not args.no_sample_data:
            sections.append(sample_data_section(args.sample_data, contracts))
    except (CatalogUnavailableError, SampleDataError, ContractError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    if not sections:
        print("Nothing checked: both --no-catalog and --no-sample-data were given.")
    reports = [report for section in sections for report in section.reports]
    breaking = sum(1 for report in reports for change in report.changes if change.breaking)
    compatible = sum(1 for report in reports for change in report.changes if not change.breaking)
    for section in sections:
        print("\n".join(section.lines()))
    print(f"{breaking} breaking, {compatible} compatible change(s).")
    return 1 if breaking else 0


if __name__ == "__main__":
    sys.exit(main())
