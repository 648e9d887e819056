"""``make catalog-tables``: the contracts become Glue tables that moto accepts and the drift check finds in order.

Expected columns and partition keys are written out by hand for the output this render has.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

import {{ cookiecutter.job_name }}.kit.cli.catalog_tables as catalog
import {{ cookiecutter.job_name }}.kit.cli.schema_check as schema_check
from {{ cookiecutter.job_name }}.kit.declarations import available

REGION = "eu-west-1"
# dataset -> (stored columns, partition keys), as the job writes them.
OUTPUTS = {
    "clean_records": (["record_id", "category", "amount", "recorded_at"], ["record_date"]),
    "fact_orders": (
        [
            "order_number",
            "order_line_number",
            "customer_number",
            "product_code",
            "location_key",
            "quantity",
            "price_each",
            "line_amount",
            "status",
            "shipped_date",
        ],
        ["order_date"],
    ),
}
DATASET = next(name for name in OUTPUTS if name in available())


def test_exported_table_is_what_the_job_writes_and_passes_the_drift_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")

    code = catalog.main([DATASET, "--out", str(tmp_path), "--location-prefix", "s3://lake/star/"])

    assert code == 0
    assert capsys.readouterr().out.splitlines() == [str(tmp_path / f"{DATASET}.json")]
    table = json.loads((tmp_path / f"{DATASET}.json").read_text())
    columns, partition_keys = OUTPUTS[DATASET]
    assert table["Name"] == DATASET
    assert [column["Name"] for column in table["StorageDescriptor"]["Columns"]] == columns
    assert [column["Name"] for column in table["PartitionKeys"]] == partition_keys
    assert table["StorageDescriptor"]["Location"] == f"s3://lake/star/{DATASET}/"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")

    with mock_aws():
        glue = boto3.client("glue", region_name=REGION)
        glue.create_database(DatabaseInput={"Name": "lake"})
        glue.create_table(DatabaseName="lake", TableInput=table)
        code = schema_check.main(["--database", "lake", "--region", REGION, "--no-sample-data"])

    assert code == 0
    assert f"OK            {DATASET}" in capsys.readouterr().out


def test_one_table_can_be_given_its_exact_location(tmp_path: Path) -> None:
    assert catalog.main([DATASET, "--out", str(tmp_path), "--location", "s3://lake/only/"]) == 0

    assert json.loads((tmp_path / f"{DATASET}.json").read_text())["StorageDescriptor"]["Location"] == "s3://lake/only/"


def test_an_unknown_dataset_is_an_error_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = catalog.main([DATASET, "no_such_table", "--out", str(tmp_path / "catalog")])

    assert code == 2
    assert "No contract for dataset 'no_such_table'" in capsys.readouterr().err
    assert not (tmp_path / "catalog").exists()
