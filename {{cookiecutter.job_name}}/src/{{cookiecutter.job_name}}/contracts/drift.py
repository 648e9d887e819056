"""Schema drift: what differs between the contracts and what already exists, and whether it breaks.

Two things already exist: the tables deployed in the Glue Catalog, and the bundled sample data. The
question for both is the one Glue Schema Registry's BACKWARD mode asks: can a reader using the new
contract read what is already there?

- a new nullable column: compatible (old rows read as null);
- a new required column: breaking (old rows have no value for it);
- a removed column: breaking. Avro BACKWARD allows deletes, but a table here is read by other jobs by
  column name, so a column that disappears breaks them;
- any type change, widening included: breaking (Spark 3's vectorized Parquet reader cannot read a
  file written as int with a bigint schema);
- nullable -> required: breaking (old rows may hold nulls); required -> nullable: compatible;
- partition keys changed: breaking (the data on S3 is laid out by the old keys);
- a comment changed: compatible, reported.

Nested struct fields (and the elements of arrays and maps) are compared recursively; their paths read
``address.city``, ``lines.element.sku``. Column order is not compared: Parquet is read by name.

Run ``python -m <package>.contracts.drift --help`` (or ``make schema-check``); exit status 0 = nothing
breaking, 1 = something breaking, 2 = the check could not run (e.g. the Glue Catalog cannot be read).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import sys
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from pyspark.sql import SparkSession
from pyspark.sql.types import ArrayType, DataType, MapType, StructField, StructType

from ..integration import spark_io
from . import Contract, ContractError, available, compliance, formats, load_contract

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

ADDED_NULLABLE = "added_nullable_column"
ADDED_REQUIRED = "added_required_column"
REMOVED = "removed_column"
TYPE_CHANGED = "type_changed"
BECAME_REQUIRED = "became_required"
BECAME_NULLABLE = "became_nullable"
PARTITION_KEYS_CHANGED = "partition_keys_changed"
COMMENT_CHANGED = "comment_changed"
UNREADABLE_TABLE = "unreadable_deployed_table"

# Sample data that the job's reader rejects; every such finding is breaking.
SAMPLE_DATA_REJECTED = "the job would reject this sample data"

CATALOG_ADVICE = (
    "A breaking change needs the existing data migrated (or a new table) before the contract changes; "
    "otherwise keep the contract compatible."
)
SAMPLE_DATA_ADVICE = "Fix the sample data (or the contract, if the data is right)."
OFFLINE_HINT = "or skip the catalog with --no-catalog (make schema-check CATALOG=off)"
# Error codes that mean "these credentials may not read the catalog", not "the table is missing".
ACCESS_ERROR_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
}


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference for one dataset. ``column`` is a dotted path; empty for a table-level change."""

    dataset: str
    column: str
    kind: str
    before: str | None
    after: str | None
    breaking: bool

    def describe(self) -> str:
        where = f"{self.dataset}.{self.column}" if self.column else self.dataset
        return f"{where}: {self.explain()}"

    def explain(self) -> str:
        before, after = self.before, self.after
        explanations = {
            ADDED_NULLABLE: f"nullable column added ({after}); existing rows read it as null",
            ADDED_REQUIRED: f"required column added ({after}); existing rows have no value for it",
            REMOVED: f"column removed (was {before}); jobs that read it by name would fail",
            TYPE_CHANGED: f"type changed {before} -> {after}; files written as {before} cannot be read as {after}",
            BECAME_REQUIRED: "nullable -> required; existing rows may hold nulls",
            BECAME_NULLABLE: "required -> nullable",
            PARTITION_KEYS_CHANGED: (
                f"partition keys changed [{before}] -> [{after}]; the data on S3 is laid out by the old keys"
            ),
            COMMENT_CHANGED: f"comment changed {before!r} -> {after!r}",
            UNREADABLE_TABLE: f"the deployed table's schema cannot be compared: {before}",
        }
        if self.kind in explanations:
            return explanations[self.kind]
        # A sample-data finding: the kind comes from the compliance check, the detail is its message.
        return f"{self.kind}: {after}; {SAMPLE_DATA_REJECTED}"


@dataclasses.dataclass(frozen=True)
class DatasetReport:
    """Everything found for one dataset by one check (catalog or sample data)."""

    dataset: str
    changes: tuple[Change, ...] = ()
    deployed: bool = True
    note: str = ""

    @property
    def breaking(self) -> bool:
        return any(change.breaking for change in self.changes)

    @property
    def status(self) -> str:
        if not self.deployed:
            return "NOT DEPLOYED"
        if self.breaking:
            return "BREAKING"
        return "COMPATIBLE" if self.changes else "OK"

    def lines(self) -> list[str]:
        """One line when nothing changed; otherwise one line per change, each with its own verdict."""
        if not self.changes:
            suffix = f": {self.note}" if self.note else ""
            return [f"{self.status:<12}  {self.dataset}{suffix}"]
        return [
            f"{'BREAKING' if change.breaking else 'COMPATIBLE':<12}  {change.describe()}" for change in self.changes
        ]


@dataclasses.dataclass(frozen=True)
class Section:
    """A titled group of dataset reports, printed together, with what to do if any of them breaks."""

    title: str
    reports: list[DatasetReport] = dataclasses.field(default_factory=list)
    advice: str = ""
    unchecked: list[str] = dataclasses.field(default_factory=list)

    def lines(self) -> list[str]:
        body = [f"  {line}" for report in self.reports for line in report.lines()]
        body += [f"  {'NO CONTRACT':<12}  {line}" for line in self.unchecked]
        body = body or ["  (nothing to check)"]
        if self.advice and any(report.breaking for report in self.reports):
            body.append(f"  -> {self.advice}")
        return [self.title, *body]


# ---------------------------------------------------------------------------------------------------
# Comparing two schemas


def compare(dataset: str, deployed: StructType, proposed: StructType) -> list[Change]:
    """Every difference between the deployed schema and the proposed contract, each classified."""
    changes = list(_compare_fields(dataset, "", deployed, proposed))
    before_keys, after_keys = _partition_keys(deployed), _partition_keys(proposed)
    if before_keys != after_keys:
        changes.append(
            Change(dataset, "", PARTITION_KEYS_CHANGED, ", ".join(before_keys), ", ".join(after_keys), breaking=True)
        )
    return changes


def _partition_keys(schema: StructType) -> list[str]:
    return [column.name.lower() for column in schema.fields if column.metadata.get("partition_key")]


def _compare_fields(dataset: str, prefix: str, deployed: StructType, proposed: StructType) -> Iterator[Change]:
    # Matched ignoring case: the Glue Catalog keeps names lower-case, and Spark and Athena resolve them that way.
    before = {column.name.lower(): column for column in deployed.fields}
    after = {column.name.lower(): column for column in proposed.fields}
    for name, old in before.items():
        if name not in after:
            yield Change(dataset, prefix + old.name, REMOVED, old.dataType.simpleString(), None, breaking=True)
    for name, new in after.items():
        path = prefix + new.name
        if name not in before:
            kind = ADDED_NULLABLE if new.nullable else ADDED_REQUIRED
            yield Change(dataset, path, kind, None, new.dataType.simpleString(), breaking=not new.nullable)
            continue
        old = before[name]
        yield from _compare_types(dataset, path, old.dataType, new.dataType)
        yield from _compare_nullability(dataset, path, old.nullable, new.nullable)
        yield from _compare_comments(dataset, path, old, new)


def _compare_types(dataset: str, path: str, before: DataType, after: DataType) -> Iterator[Change]:
    if isinstance(before, StructType) and isinstance(after, StructType):
        yield from _compare_fields(dataset, path + ".", before, after)
    elif isinstance(before, ArrayType) and isinstance(after, ArrayType):
        element = path + ".element"
        yield from _compare_types(dataset, element, before.elementType, after.elementType)
        yield from _compare_nullability(dataset, element, before.containsNull, after.containsNull)
    elif isinstance(before, MapType) and isinstance(after, MapType):
        yield from _compare_types(dataset, path + ".key", before.keyType, after.keyType)
        yield from _compare_types(dataset, path + ".value", before.valueType, after.valueType)
        yield from _compare_nullability(dataset, path + ".value", before.valueContainsNull, after.valueContainsNull)
    elif before.simpleString() != after.simpleString():
        yield Change(dataset, path, TYPE_CHANGED, before.simpleString(), after.simpleString(), breaking=True)


def _compare_nullability(dataset: str, path: str, before: bool, after: bool) -> Iterator[Change]:
    if before and not after:
        yield Change(dataset, path, BECAME_REQUIRED, "nullable", "required", breaking=True)
    elif after and not before:
        yield Change(dataset, path, BECAME_NULLABLE, "required", "nullable", breaking=False)


def _compare_comments(dataset: str, path: str, before: StructField, after: StructField) -> Iterator[Change]:
    old, new = before.metadata.get("comment"), after.metadata.get("comment")
    if (old or None) != (new or None):
        yield Change(dataset, path, COMMENT_CHANGED, old, new, breaking=False)


# ---------------------------------------------------------------------------------------------------
# The Glue Catalog side


class CatalogUnavailableError(RuntimeError):
    """The Glue Catalog could not be read; the message says why and how to fix it."""


def check_catalog(glue: GlueClient, database: str, datasets: Collection[str]) -> list[DatasetReport]:
    """Compare each dataset's contract with its table in ``database``; missing tables are not deployed yet."""
    _require_database(glue, database)
    return [check_deployed_table(glue, database, dataset) for dataset in datasets]


def check_deployed_table(glue: GlueClient, database: str, dataset: str) -> DatasetReport:
    try:
        deployed = deployed_schema(glue, database, dataset)
    except formats.SchemaConversionError as exc:
        unreadable = Change(dataset, "", UNREADABLE_TABLE, str(exc), None, breaking=True)
        return DatasetReport(dataset, (unreadable,))
    if deployed is None:
        return DatasetReport(dataset, deployed=False, note="no table yet; the first deploy creates it")
    return DatasetReport(dataset, tuple(compare(dataset, deployed, load_contract(dataset).schema)))


def deployed_schema(glue: GlueClient, database: str, dataset: str) -> StructType | None:
    """The deployed table's schema, or None if the table does not exist yet."""
    try:
        table: Any = glue.get_table(DatabaseName=database, Name=dataset)["Table"]
    except Exception as exc:
        if _error_code(exc) == "EntityNotFoundException":
            return None
        raise _unavailable(exc, glue, database) from None
    return formats.from_glue_table(table)


def _require_database(glue: GlueClient, database: str) -> None:
    try:
        glue.get_database(Name=database)
    except Exception as exc:
        if _error_code(exc) == "EntityNotFoundException":
            raise CatalogUnavailableError(
                f"Glue database '{database}' does not exist in region {glue.meta.region_name}. "
                f"Deploy it first, name the right one with --database (make schema-check GLUE_DATABASE=...), "
                f"{OFFLINE_HINT}."
            ) from None
        raise _unavailable(exc, glue, database) from None


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _unavailable(exc: Exception, glue: GlueClient | None, database: str) -> Exception:
    """A clear error for the ways reaching the catalog fails; anything else is re-raised as it is."""
    region = glue.meta.region_name if glue is not None else "(none)"
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return CatalogUnavailableError(
            f"No AWS credentials to read the Glue Catalog ({exc}). Set them (AWS_PROFILE, 'aws sso login', "
            f"or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), {OFFLINE_HINT}."
        )
    if isinstance(exc, NoRegionError):
        return CatalogUnavailableError(f"No AWS region given. Pass --region (or set AWS_REGION), {OFFLINE_HINT}.")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return CatalogUnavailableError(
            f"Cannot reach the Glue endpoint in region {region} ({exc}). Check the network and the region "
            f"(--region / AWS_REGION), {OFFLINE_HINT}."
        )
    code = _error_code(exc)
    if code in ACCESS_ERROR_CODES:
        return CatalogUnavailableError(
            f"Access to the Glue Catalog was refused ({code}: {exc}). Use credentials allowed glue:GetDatabase "
            f"and glue:GetTable on database '{database}' in region {region}, {OFFLINE_HINT}."
        )
    if isinstance(exc, BotoCoreError) or code is not None:
        return CatalogUnavailableError(f"Reading the Glue Catalog failed ({exc}); {OFFLINE_HINT}.")
    return exc


# ---------------------------------------------------------------------------------------------------
# The sample-data side


class SampleDataError(ValueError):
    """The sample-data folder is laid out in a way the check cannot follow."""


@dataclasses.dataclass(frozen=True)
class SampleFolders:
    """The dataset folders found under the sample-data root, and the folders of files no contract covers."""

    datasets: dict[str, Path]
    without_contract: list[Path]


def find_sample_folders(root: Path, datasets: Collection[str]) -> SampleFolders:
    """Folders under ``root`` named after a dataset with a contract (``classicmodels/customers``, ``records``).

    The search stops at a dataset's folder, so its contents are that dataset's files. Other folders that
    hold files are listed apart, so data that is not checked is never passed over in silence.
    """
    if not root.is_dir():
        raise SampleDataError(f"Sample-data folder '{root}' does not exist. Pass the right one with --sample-data.")
    found: dict[str, Path] = {}
    without_contract: list[Path] = []
    pending = [root]
    while pending:
        folder = pending.pop(0)
        children = [child for child in sorted(folder.iterdir()) if not child.name.startswith((".", "_"))]
        if folder != root and any(child.is_file() for child in children):
            without_contract.append(folder)
        for child in children:
            if not child.is_dir():
                continue
            if child.name not in datasets:
                pending.append(child)
            elif child.name in found:
                raise SampleDataError(
                    f"Dataset '{child.name}' has two sample-data folders ({found[child.name]} and {child}); "
                    "keep one, so it is clear which the contract is checked against."
                )
            else:
                found[child.name] = child
    return SampleFolders(dict(sorted(found.items())), without_contract)


def check_sample_data(spark: SparkSession, dataset: str, folder: Path) -> DatasetReport:
    """Read ``folder`` as the job reads ``dataset`` (CSV with a header); every contract violation is breaking.

    Each file's header is checked first, file by file: the reader stops at the first file whose header
    is wrong, and a pre-deploy check should list every such file at once.
    """
    contract = load_contract(dataset)
    violations = header_violations(folder, contract)
    if not violations:
        try:
            violations = compliance.find_violations(spark_io.read_csv(spark, str(folder), contract), contract)
        except compliance.ContractViolationError as exc:
            violations = list(exc.violations) or [compliance.Violation("rejected", None, str(exc))]
    changes = tuple(_rejected(dataset, violation) for violation in violations)
    return DatasetReport(dataset, changes, note=str(folder))


def header_violations(folder: Path, contract: Contract) -> list[compliance.Violation]:
    """Missing and unexpected columns in the header of each file Spark would read from ``folder``."""
    violations = []
    # Spark skips files whose names start with '.' or '_' (_SUCCESS, .crc); so does this check.
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_"))):
        with path.open(encoding="utf-8", newline="") as handle:
            header = next((row for row in csv.reader(handle) if any(cell.strip() for cell in row)), None)
        if header is None:
            continue
        violations += [
            dataclasses.replace(violation, detail=f"{violation.detail} ({path.name})")
            for violation in spark_io.header_violations(header, contract)
        ]
    return violations


def _rejected(dataset: str, violation: compliance.Violation) -> Change:
    rows = "" if violation.rows is None else f" ({violation.rows} row{'' if violation.rows == 1 else 's'})"
    return Change(dataset, violation.column or "", violation.kind, None, violation.detail + rows, breaking=True)


def local_spark() -> tuple[SparkSession, bool]:
    """A small local session (or the one already running), and whether this call started it."""
    started = SparkSession.getActiveSession() is None
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("schema-check")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark, started


# ---------------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}.drift",
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


def catalog_section(database: str, region: str | None, datasets: Collection[str]) -> Section:
    try:
        glue = boto3.client("glue", region_name=region)
    except Exception as exc:
        raise _unavailable(exc, None, database) from None
    title = f"Glue Catalog: database {database} ({glue.meta.region_name})"
    return Section(title, check_catalog(glue, database, datasets), CATALOG_ADVICE)


def sample_data_section(root: Path, datasets: Collection[str]) -> Section:
    folders = find_sample_folders(root, datasets)
    unchecked = [
        f"{folder}: not checked; no dataset named '{folder.name}' has a contract" for folder in folders.without_contract
    ]
    if not folders.datasets:
        return Section(f"Sample data: {root}", unchecked=unchecked)
    spark, started = local_spark()
    try:
        reports = [check_sample_data(spark, name, path) for name, path in folders.datasets.items()]
        return Section(f"Sample data: {root}", reports, SAMPLE_DATA_ADVICE, unchecked)
    finally:
        if started:
            spark.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    datasets = available()
    sections: list[Section] = []
    try:
        if not args.no_catalog:
            sections.append(catalog_section(args.database, args.region, datasets))
        if not args.no_sample_data:
            sections.append(sample_data_section(args.sample_data, datasets))
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
