"""The benchmark's scaled inputs: keys stay unique, references stay whole, and the bad rows are exactly the bad ones."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import DecimalType, IntegerType, StringType, StructField, StructType

from {{ cookiecutter.job_name }}.kit.bench.data import Relations, ScaledInput, ScalingError, write_scaled
from {{ cookiecutter.job_name }}.kit.contracts.compliance import Policy
from {{ cookiecutter.job_name }}.kit.declarations import load_contract, load_job
from {{ cookiecutter.job_name }}.kit.io.quarantine import enforce
from {{ cookiecutter.job_name }}.kit.io.readers import read_csv
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage

RULES = {"rules": {"min": 0}}
SHOPS = StructType(
    [
        StructField("shop_id", IntegerType(), False),
        StructField("name", StringType(), True),
        StructField("budget", DecimalType(10, 2), True, RULES),
        StructField("opened_by", StringType(), False),
    ]
)
SALES = StructType(
    [
        StructField("sale_code", StringType(), False, {"rules": {"pattern": "S[0-9]+_[0-9]+"}}),
        StructField("shop_id", IntegerType(), False),
        StructField("amount", DecimalType(10, 2), False, RULES),
    ]
)
SHOP_ROWS = [["7", "North", "10.00", "ann"], ["12", "South", "0.50", "bob"]]
SALE_ROWS = [["S1_10", "7", "1.00"], ["S1_11", "12", "2.00"], ["S2_9", "7", "3.00"]]
RELATIONS = Relations(
    keys={"shops": ["shop_id"], "sales": ["sale_code"]}, references={"sales": {"shop_id": ("shops", "shop_id")}}
)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def read_rows(folder: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


@pytest.fixture
def sample(declared: DeclaredPackage, tmp_path: Path) -> Path:
    declared.contract("shops", SHOPS)
    declared.contract("sales", SALES)
    declared.job(
        "shop_sales",
        {
            "description": "shops and their sales",
            "inputs": {
                "shops": {"format": "csv", "policy": "quarantine", "why": "a bad shop is set aside"},
                "sales": {"format": "csv", "policy": "fail", "why": "a bad sale stops the run"},
            },
            "outputs": {"sales_by_shop": {"format": "parquet"}},
        },
    )
    declared.contract("sales_by_shop", SALES)
    root = tmp_path / "sample"
    write_csv(root / "shops" / "shops.csv", SHOPS.fieldNames(), SHOP_ROWS)
    write_csv(root / "sales" / "sales.csv", SALES.fieldNames(), SALE_ROWS)
    return root


def test_copies_keep_keys_unique_and_references_whole(sample: Path, tmp_path: Path) -> None:
    written = write_scaled(load_job("shop_sales"), sample, tmp_path / "out", {"shops": 3, "sales": 5}, RELATIONS)
    assert written == [ScaledInput("shops", 6, 0, 1), ScaledInput("sales", 15, 0, 1)]
    shops, sales = read_rows(tmp_path / "out" / "shops"), read_rows(tmp_path / "out" / "sales")
    # Integer keys move by (largest key + 1) = 13 per copy: by hand, 7, 12, 20, 25, 33, 38.
    assert [row["shop_id"] for row in shops] == ["7", "12", "20", "25", "33", "38"]
    # Copy c of a sale refers to copy c % 3 of its shop.
    by_copy = [["7", "12", "7"], ["20", "25", "20"], ["33", "38", "33"], ["7", "12", "7"], ["20", "25", "20"]]
    assert [row["shop_id"] for row in sales] == [shop for copy in by_copy for shop in copy]
    assert {row["shop_id"] for row in sales} <= {row["shop_id"] for row in shops}
    codes = [row["sale_code"] for row in sales]
    assert codes[:4] == ["S1_100", "S1_110", "S2_90", "S1_101"]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch("S[0-9]+_[0-9]+", code) for code in codes)
    # Values other than keys and references are copied as they are.
    assert [row["name"] for row in shops] == ["North", "South"] * 3


def test_the_same_factors_give_the_same_bytes_split_into_files(sample: Path, tmp_path: Path) -> None:
    for run in ("a", "b"):
        written = write_scaled(load_job("shop_sales"), sample, tmp_path / run, {"sales": 4}, RELATIONS, rows_per_file=5)
        assert written[1] == ScaledInput("sales", 12, 0, 3)
    files = sorted(path.relative_to(tmp_path / "a") for path in (tmp_path / "a").rglob("*.csv"))
    assert [str(path) for path in files] == [
        "sales/sales-00001.csv",
        "sales/sales-00002.csv",
        "sales/sales-00003.csv",
        "shops/shops-00001.csv",
    ]
    assert all((tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes() for path in files)


def test_bad_rows_are_set_aside_exactly_and_only_where_the_policy_quarantines(
    spark: SparkSession, sample: Path, tmp_path: Path
) -> None:
    written = write_scaled(
        load_job("shop_sales"), sample, tmp_path / "bad", {"shops": 2, "sales": 2}, RELATIONS, bad_rows=True
    )
    # shops (two sample rows, so two kinds): a budget of no number, a null opened_by; sales (fail policy): none.
    assert written == [ScaledInput("shops", 6, 2, 1), ScaledInput("sales", 6, 0, 1)]
    bad = read_rows(tmp_path / "bad" / "shops")[-2:]
    # Fresh keys, beyond every copy: copy 2 of keys 7 and 12.
    assert [row["shop_id"] for row in bad] == ["33", "38"]
    frame = read_csv(spark, str(tmp_path / "bad" / "shops"), load_contract("shops"))
    good, report = enforce(
        frame, load_contract("shops"), policy=Policy.QUARANTINE, quarantine_path=str(tmp_path / "q"), run_id="r"
    )
    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (6, 4, 2)
    assert sorted(str(violation) for violation in report.violations) == [
        "malformed_record: the reader could not parse it against the contract (field count, value type or syntax) "
        "(1 row)",
        "null_in_required opened_by: null in required column opened_by (1 row)",
    ]
    assert sorted(row["shop_id"] for row in good.collect()) == [7, 12, 20, 25]


def test_each_bad_row_breaks_one_value_of_a_sample_row(spark: SparkSession, sample: Path, tmp_path: Path) -> None:
    written = write_scaled(load_job("shop_sales"), sample, tmp_path / "bad", {}, RELATIONS, bad_rows=True)
    assert written[0] == ScaledInput("shops", 4, 2, 1)
    rows = read_rows(tmp_path / "bad" / "shops")[-2:]
    assert [(row["budget"], row["opened_by"]) for row in rows] == [("not-a-value", "ann"), ("0.50", "")]


@pytest.mark.parametrize(
    ("factors", "relations", "message"),
    [
        ({"refunds": 2}, RELATIONS, r"\['refunds'\] are not inputs of job shop_sales"),
        ({"shops": 0}, RELATIONS, "Every factor must be at least 1"),
        ({"shops": 200_000_000}, RELATIONS, "shops.shop_id: 200000000 copies would overflow int"),
        ({}, Relations(keys={"shops": ["budget"]}), "shops.budget: keys of type decimal"),
        (
            {},
            Relations(keys={"sales": ["sale_code"]}, references={"sales": {"shop_id": ("shops", "shop_id")}}),
            "sales.shop_id refers to shops.shop_id, which is not a key in the relations",
        ),
    ],
)
def test_what_cannot_be_scaled_is_an_error_saying_why(
    sample: Path, tmp_path: Path, factors: dict[str, int], relations: Relations, message: str
) -> None:
    with pytest.raises(ScalingError, match=message):
        write_scaled(load_job("shop_sales"), sample, tmp_path / "out", factors, relations)
