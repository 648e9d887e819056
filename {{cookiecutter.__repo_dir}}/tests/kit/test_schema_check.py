"""``make schema-check`` end to end: the CLI against moto's Glue Catalog, and against the bundled sample data.

The deployed tables are hand-written TableInputs, so what the catalog holds does not depend on the code
under test. The datasets are this module's own (the ``declared`` stand-in), not the job's.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, DecimalType, IntegerType, StringType, StructField, StructType, TimestampType

from {{ cookiecutter.job_name }}.kit.cli.schema_check import main
from {{ cookiecutter.job_name }}.kit.contracts import formats
from {{ cookiecutter.job_name }}.kit.declarations import load_contract
from {{ cookiecutter.job_name }}.kit.io.glue_catalog import CatalogUnavailableError, check_catalog
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage, declared_package

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

DATABASE = "analytics"
REGION = "eu-west-1"
CATALOG_ONLY = ["--database", DATABASE, "--region", REGION, "--no-sample-data"]


def column(name: str, hive_type: str, comment: str | None = None, required: bool = False) -> dict[str, Any]:
    """A Glue column as the catalog stores it; required columns carry the nullable=false parameter."""
    glue_column: dict[str, Any] = {"Name": name, "Type": hive_type}
    if comment is not None:
        glue_column["Comment"] = comment
    if required:
        glue_column["Parameters"] = {"nullable": "false"}
    return glue_column


@dataclass(frozen=True)
class DeployedTable:
    """A partitioned output as it would be deployed, plus the columns each drift test changes."""

    dataset: str
    columns: list[dict[str, Any]]
    partition_keys: list[dict[str, Any]]
    nullable_column: str  # dropped from the deployed table: the contract then adds it
    int_column: str  # deployed as bigint: the contract then narrows it to int
    required_column: str  # deployed as nullable: the contract then makes it required


# This module's own dataset: its contract, and the same table written out by hand as Glue would hold it.
SALES = StructType(
    [
        StructField("sale_id", IntegerType(), False, {"comment": "One row per sale"}),
        StructField("region", StringType(), True, {"comment": "Sales region"}),
        StructField("amount", DecimalType(10, 2), True),
        StructField("sold_at", TimestampType(), False),
        StructField("sale_date", DateType(), False, {"comment": "Date of sold_at", "partition_key": True}),
    ]
)
TABLE = DeployedTable(
    dataset="sales",
    columns=[
        column("sale_id", "int", "One row per sale", required=True),
        column("region", "string", "Sales region"),
        column("amount", "decimal(10,2)"),
        column("sold_at", "timestamp", required=True),
    ],
    partition_keys=[column("sale_date", "date", "Date of sold_at", required=True)],
    nullable_column="region",
    int_column="sale_id",
    required_column="sold_at",
)
# The sample-data dataset: a CSV input.
ORDERS = StructType(
    [
        StructField("order_id", IntegerType(), False),
        StructField("status", StringType(), True),
        StructField("quantity", IntegerType(), True),
        StructField("ordered_on", DateType(), False),
    ]
)


@pytest.fixture(autouse=True)
def contracts(declared: DeclaredPackage) -> None:
    """Every test here sees this module's contracts, not the job's."""
    declared.contract("sales", SALES)


def deploy(glue: GlueClient, columns: list[dict[str, Any]], partition_keys: list[dict[str, Any]]) -> None:
    table_input: Any = {
        "Name": TABLE.dataset,
        "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": {"Columns": columns, "Location": f"s3://lake/{TABLE.dataset}/"},
        "PartitionKeys": partition_keys,
    }
    glue.create_table(DatabaseName=DATABASE, TableInput=table_input)


def replaced(columns: list[dict[str, Any]], name: str, **changes: Any) -> list[dict[str, Any]]:
    return [{**glue_column, **changes} if glue_column["Name"] == name else glue_column for glue_column in columns]


def run_check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")


@pytest.fixture
def glue(fake_credentials: None) -> Iterator[GlueClient]:
    with mock_aws():
        client = boto3.client("glue", region_name=REGION)
        client.create_database(DatabaseInput={"Name": DATABASE})
        yield client


# --- The Glue Catalog ---------------------------------------------------------------------------------


def test_a_table_matching_the_contract_is_ok(glue: GlueClient, capsys: pytest.CaptureFixture[str]) -> None:
    deploy(glue, TABLE.columns, TABLE.partition_keys)

    code, lines, _ = run_check(capsys, *CATALOG_ONLY)

    assert code == 0
    assert f"  OK            {TABLE.dataset}" in lines
    assert lines[0] == f"Glue Catalog: database {DATABASE} ({REGION})"


def test_a_table_exported_from_the_contract_itself_is_ok(glue: GlueClient, capsys: pytest.CaptureFixture[str]) -> None:
    glue.create_database(DatabaseInput={"Name": "exported"})
    table_input: Any = formats.to_glue_table(load_contract(TABLE.dataset).schema, TABLE.dataset)
    glue.create_table(DatabaseName="exported", TableInput=table_input)

    code, lines, _ = run_check(capsys, "--database", "exported", "--region", REGION, "--no-sample-data")

    assert code == 0
    assert f"  OK            {TABLE.dataset}" in lines


def test_a_nullable_column_the_contract_adds_is_compatible_drift(
    glue: GlueClient, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed = [glue_column for glue_column in TABLE.columns if glue_column["Name"] != TABLE.nullable_column]
    deploy(glue, deployed, TABLE.partition_keys)

    code, lines, _ = run_check(capsys, *CATALOG_ONLY)

    assert code == 0
    added = f"{TABLE.dataset}.{TABLE.nullable_column}: nullable column added (string); existing rows read it as null"
    assert f"  COMPATIBLE    {added}" in lines
    assert lines[-1] == "0 breaking, 1 compatible change(s)."


def test_breaking_drift_fails_and_reports_every_change(glue: GlueClient, capsys: pytest.CaptureFixture[str]) -> None:
    deployed = replaced(TABLE.columns, TABLE.int_column, Type="bigint")
    deployed = replaced(deployed, TABLE.required_column, Parameters={})
    deployed.append(column("legacy_code", "string", "Dropped from the contract"))
    deploy(glue, deployed, TABLE.partition_keys)

    code, lines, _ = run_check(capsys, *CATALOG_ONLY)

    assert code == 1
    name = TABLE.dataset
    assert sorted(line for line in lines if line.startswith(f"  BREAKING      {name}")) == sorted(
        [
            f"  BREAKING      {name}.legacy_code: column removed (was string); jobs that read it by name would fail",
            f"  BREAKING      {name}.{TABLE.int_column}: type changed bigint -> int; "
            "files written as bigint cannot be read as int",
            f"  BREAKING      {name}.{TABLE.required_column}: nullable -> required; existing rows may hold nulls",
        ]
    )
    assert "3 breaking, 0 compatible change(s)." in lines
    assert any(line.startswith("  -> A breaking change needs the existing data migrated") for line in lines)


def test_changed_partition_keys_are_breaking(glue: GlueClient, capsys: pytest.CaptureFixture[str]) -> None:
    (key,) = TABLE.partition_keys
    # The deployed table was partitioned by nothing: the key was an ordinary column.
    deploy(glue, [*TABLE.columns, key], [])

    code, lines, _ = run_check(capsys, *CATALOG_ONLY)

    assert code == 1
    assert (
        f"  BREAKING      {TABLE.dataset}: partition keys changed [] -> [{key['Name']}]; "
        "the data on S3 is laid out by the old keys"
    ) in lines


def test_a_table_not_deployed_yet_is_reported_and_passes(glue: GlueClient, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run_check(capsys, *CATALOG_ONLY)

    assert code == 0
    assert f"  NOT DEPLOYED  {TABLE.dataset}: no table yet; the first deploy creates it" in lines


def test_a_missing_database_stops_with_how_to_fix_it(glue: GlueClient, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run_check(capsys, "--database", "nowhere", "--region", REGION, "--no-sample-data")

    assert code == 2
    assert lines == []
    assert "ERROR: Glue database 'nowhere' does not exist in region eu-west-1." in err
    assert "make schema-check CATALOG=off" in err


def test_no_credentials_stops_with_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    # No instance-metadata lookup: off EC2 it only waits for a timeout.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    code, _, err = run_check(capsys, *CATALOG_ONLY)

    assert code == 2
    assert "ERROR: No AWS credentials to read the Glue Catalog" in err
    assert "--no-catalog (make schema-check CATALOG=off)" in err


def test_an_unreachable_endpoint_stops_with_how_to_fix_it(
    fake_credentials: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Port 9 (discard) on loopback: the connection is refused at once.
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLUE", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    code, _, err = run_check(capsys, *CATALOG_ONLY)

    assert code == 2
    assert "ERROR: Cannot reach the Glue endpoint in region eu-west-1" in err
    assert "make schema-check CATALOG=off" in err


def test_refused_access_names_the_permissions_needed(fake_credentials: None) -> None:
    client = boto3.client("glue", region_name=REGION)
    with Stubber(client) as stubber:
        stubber.add_client_error("get_database", service_error_code="AccessDeniedException", http_status_code=400)

        with pytest.raises(CatalogUnavailableError, match=r"AccessDeniedException") as refused:
            check_catalog(client, DATABASE, {TABLE.dataset: load_contract(TABLE.dataset)})

    assert f"glue:GetDatabase and glue:GetTable on database '{DATABASE}'" in str(refused.value)


# --- The bundled sample data --------------------------------------------------------------------------


HEADER = ["order_id", "status", "quantity", "ordered_on"]
VALID_ROWS = [["1", "Shipped", "3", "2024-01-05"], ["2", "", "", "2024-01-06"]]


def as_csv(header: list[str], *rows: list[str]) -> str:
    return "".join(",".join(row) + "\n" for row in (header, *rows))


def sample_folder(root: Path, *extra_files: tuple[str, str]) -> Path:
    """``root/sample_data/shop/orders/`` holding a valid orders.csv and ``extra_files`` (name, text)."""
    folder = root / "sample_data" / "shop" / "orders"
    folder.mkdir(parents=True)
    (folder / "orders.csv").write_text(as_csv(HEADER, *VALID_ROWS))
    for name, text in extra_files:
        (folder / name).write_text(text)
    return root / "sample_data"


@dataclass(frozen=True)
class CheckRun:
    code: int
    lines: list[str]


def run_offline(sample_data: Path, declared_root: Path) -> CheckRun:
    out = io.StringIO()
    with declared_package(declared_root) as declared, contextlib.redirect_stdout(out):
        declared.contract("orders", ORDERS)
        code = main(["--no-catalog", "--sample-data", str(sample_data)])
    return CheckRun(code, out.getvalue().splitlines())


@pytest.fixture(scope="module")
def sample_runs(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CheckRun]:
    """Every sample-data run of this module, once: the check reuses the tests' SparkSession."""
    runs = {}
    cases = {
        "valid": (),
        "unparsable": (("broken.csv", as_csv(HEADER, ["3", "Shipped", "twelve", "2024-01-07"])),),
        "missing_column": (("broken.csv", as_csv(["order_id", "quantity", "ordered_on"], ["4", "1", "2024-01-07"])),),
    }
    for name, extra in cases.items():
        root = tmp_path_factory.mktemp(name)
        runs[name] = run_offline(sample_folder(root, *extra), root / "declared")
    return runs


def test_valid_sample_data_passes(sample_runs: dict[str, CheckRun]) -> None:
    run = sample_runs["valid"]

    assert run.code == 0
    (checked,) = [line for line in run.lines if line.startswith("  OK            orders: ")]
    assert checked.endswith(str(Path("sample_data", "shop", "orders")))
    assert not [line for line in run.lines if "BREAKING" in line]
    assert run.lines[-1] == "0 breaking, 0 compatible change(s)."


def test_an_unparsable_value_fails_the_check(sample_runs: dict[str, CheckRun]) -> None:
    run = sample_runs["unparsable"]

    assert run.code == 1
    (breaking,) = [line for line in run.lines if line.startswith("  BREAKING")]
    assert breaking.startswith("  BREAKING      orders: malformed_record: ")
    assert "(1 row)" in breaking
    assert breaking.endswith("the job would reject this sample data")


def test_a_missing_column_fails_the_check(sample_runs: dict[str, CheckRun]) -> None:
    run = sample_runs["missing_column"]

    assert run.code == 1
    (breaking,) = [line for line in run.lines if line.startswith("  BREAKING")]
    assert breaking.startswith("  BREAKING      orders.status: missing_column: ")
    assert "(broken.csv)" in breaking
    assert breaking.endswith("the job would reject this sample data")


def test_sample_files_without_a_contract_are_listed_not_passed_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = tmp_path / "sample_data" / "invoices"
    stray.mkdir(parents=True)
    (stray / "invoices.csv").write_text("invoice_id\n1\n")

    code, lines, _ = run_check(capsys, "--no-catalog", "--sample-data", str(tmp_path / "sample_data"))

    assert code == 0
    assert lines[1] == f"  NO CONTRACT   {stray}: not checked; no dataset named 'invoices' has a contract"
