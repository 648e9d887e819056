"""``make catalog-tables``: the contracts become Glue tables that moto accepts and the drift check finds in order.

The datasets are this module's own (the ``declared`` stand-in), so the test does not depend on the job's.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from pyspark.sql.types import DateType, DecimalType, IntegerType, StringType, StructField, StructType

import {{ cookiecutter.job_name }}.kit.cli.catalog_tables as catalog
import {{ cookiecutter.job_name }}.kit.cli.schema_check as schema_check
from {{ cookiecutter.job_name }}.kit.contracts.terraform import TerraformTableError, terraform_table
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage

REGION = "eu-west-1"
SALES = StructType(
    [
        StructField("sale_id", IntegerType(), False, {"comment": "One row per sale"}),
        StructField("region", StringType(), True),
        StructField("amount", DecimalType(10, 2), True),
        StructField("sale_date", DateType(), False, {"partition_key": True}),
    ]
)
RAW_SALES = StructType([StructField("sale_id", IntegerType(), True), StructField("amount", StringType(), True)])
JOB = {
    "inputs": {"raw_sales": {"format": "csv", "policy": "fail", "why": "every sale counts"}},
    "outputs": {"sales": {"format": "parquet"}},
}


@pytest.fixture
def sales_job(declared: DeclaredPackage) -> DeclaredPackage:
    declared.contract("sales", SALES)
    declared.contract("raw_sales", RAW_SALES)
    declared.job("sales_job", JOB)
    return declared


def test_every_declared_output_is_exported_and_passes_the_drift_check(
    sales_job: DeclaredPackage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")

    code = catalog.main(["--out", str(tmp_path / "catalog"), "--location-prefix", "s3://lake/star/"])

    assert code == 0
    # Outputs only: raw_sales is an input.
    assert capsys.readouterr().out.splitlines() == [str(tmp_path / "catalog" / "sales.json")]
    table = json.loads((tmp_path / "catalog" / "sales.json").read_text())
    assert table["Name"] == "sales"
    assert [(column["Name"], column["Type"]) for column in table["StorageDescriptor"]["Columns"]] == [
        ("sale_id", "int"),
        ("region", "string"),
        ("amount", "decimal(10,2)"),
    ]
    assert [(column["Name"], column["Type"]) for column in table["PartitionKeys"]] == [("sale_date", "date")]
    assert table["StorageDescriptor"]["Location"] == "s3://lake/star/sales/"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")

    with mock_aws():
        glue = boto3.client("glue", region_name=REGION)
        glue.create_database(DatabaseInput={"Name": "lake"})
        glue.create_table(DatabaseName="lake", TableInput=table)
        # raw_sales has a contract but no table: reported as not deployed, which passes.
        code = schema_check.main(["--database", "lake", "--region", REGION, "--no-sample-data"])

    assert code == 0
    out = capsys.readouterr().out
    assert "  OK            sales" in out.splitlines()
    assert "0 breaking, 0 compatible change(s)." in out


def test_one_table_can_be_given_its_exact_location(sales_job: DeclaredPackage, tmp_path: Path) -> None:
    assert catalog.main(["sales", "--out", str(tmp_path), "--location", "s3://lake/only/"]) == 0

    assert json.loads((tmp_path / "sales.json").read_text())["StorageDescriptor"]["Location"] == "s3://lake/only/"


def test_with_an_exact_location_the_other_datasets_go_beside_it(
    declared: DeclaredPackage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A job whose output path is its one table keeps a pattern's outputs beside it (kit/steps.output_paths)."""
    declared.contract("sales", SALES)
    declared.contract("sales_state", RAW_SALES)

    def location(name: str) -> str:
        return str(json.loads((tmp_path / f"{name}.json").read_text())["StorageDescriptor"]["Location"])

    assert catalog.main(["sales", "sales_state", "--out", str(tmp_path), "--location", "s3://lake/job/sales/"]) == 0
    assert (location("sales"), location("sales_state")) == ("s3://lake/job/sales/", "s3://lake/job/sales_state/")

    given = ["--location", "${local.output_path}/", "--beside", "${local.output_parent}"]
    assert catalog.main(["sales", "sales_state", "--out", str(tmp_path), *given]) == 0
    assert location("sales_state") == "${local.output_parent}/sales_state/"

    assert catalog.main(["sales", "sales_state", "--out", str(tmp_path), "--location", "s3://lake/"]) == 2
    assert "'s3://lake/' is not a table path" in capsys.readouterr().err


def test_an_unknown_dataset_is_an_error_and_nothing_is_written(
    sales_job: DeclaredPackage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = catalog.main(["sales", "no_such_table", "--out", str(tmp_path / "catalog")])

    assert code == 2
    assert "No contract for dataset 'no_such_table'" in capsys.readouterr().err
    assert not (tmp_path / "catalog").exists()


def test_a_declaration_naming_a_dataset_without_a_contract_is_an_error(
    declared: DeclaredPackage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared.contract("raw_sales", RAW_SALES)
    declared.job("sales_job", JOB)

    assert catalog.main(["--out", str(tmp_path / "catalog")]) == 2
    assert "No contract for dataset 'sales'" in capsys.readouterr().err
    assert not (tmp_path / "catalog").exists()


def test_terraform_tables_carry_every_column_key_and_parameter_of_the_table_input(
    sales_job: DeclaredPackage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "infra" / "catalog_tables.tf.json"
    code = catalog.main(["--terraform", str(path), "--location-prefix", "${local.output_path}", "--database", "db"])

    assert code == 0
    assert capsys.readouterr().out.splitlines() == [str(path)]
    document = json.loads(path.read_text())
    assert set(document) == {"//", "resource"}
    (sales,) = document["resource"]["aws_glue_catalog_table"].values()
    assert (sales["name"], sales["database_name"], sales["table_type"]) == ("sales", "db", "EXTERNAL_TABLE")
    descriptor = sales["storage_descriptor"]
    assert descriptor["location"] == "${local.output_path}/sales/"
    assert descriptor["columns"][0] == {
        "name": "sale_id",
        "type": "int",
        "comment": "One row per sale",
        "parameters": {"nullable": "false"},
    }
    assert [column["name"] for column in descriptor["columns"]] == ["sale_id", "region", "amount"]
    assert sales["partition_keys"] == [{"name": "sale_date", "type": "date", "parameters": {"nullable": "false"}}]
    assert descriptor["ser_de_info"]["serialization_library"].endswith("ParquetHiveSerDe")


def test_a_table_input_field_terraform_has_no_attribute_for_is_an_error() -> None:
    table = {"Name": "sales", "StorageDescriptor": {"Columns": [], "Location": "s3://x/"}, "Retention": 7}

    with pytest.raises(TerraformTableError, match=r"sales: no Terraform attribute for Retention"):
        terraform_table(table, "db")
