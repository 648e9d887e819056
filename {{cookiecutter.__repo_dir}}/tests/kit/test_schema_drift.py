"""How ``compare`` classifies each kind of schema difference; hand-written StructTypes, no Spark session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyspark.sql.types import (
    ArrayType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)

from {{ cookiecutter.job_name }}.kit.contracts.drift import Change, DatasetReport, compare
from {{ cookiecutter.job_name }}.kit.io.sample_data import SampleDataError, find_sample_folders

ORDER_ID = StructField("order_id", IntegerType(), nullable=False)
STATUS = StructField("status", StringType(), nullable=True)
AMOUNT = StructField("amount", DecimalType(10, 2), nullable=True)
ORDER_DATE = StructField("order_date", DateType(), nullable=False, metadata={"partition_key": True})
DEPLOYED = StructType([ORDER_ID, STATUS, AMOUNT, ORDER_DATE])


def with_fields(*fields: StructField) -> StructType:
    return StructType(list(fields))


def test_identical_schemas_have_no_changes() -> None:
    assert compare("orders", DEPLOYED, with_fields(ORDER_ID, STATUS, AMOUNT, ORDER_DATE)) == []


def test_names_match_ignoring_case_as_in_the_glue_catalog() -> None:
    # The catalog keeps names lower-case; a contract column orderId is the same column as orderid.
    deployed = with_fields(StructField("orderid", IntegerType(), False), StructField("status", StringType(), True))
    proposed = with_fields(StructField("orderId", IntegerType(), False), StructField("Status", LongType(), True))

    assert compare("orders", deployed, proposed) == [
        Change("orders", "Status", "type_changed", "string", "bigint", breaking=True)
    ]


def test_a_new_nullable_column_is_compatible() -> None:
    proposed = with_fields(ORDER_ID, STATUS, AMOUNT, StructField("channel", StringType(), True), ORDER_DATE)

    assert compare("orders", DEPLOYED, proposed) == [
        Change("orders", "channel", "added_nullable_column", None, "string", breaking=False)
    ]


def test_a_new_required_column_is_breaking() -> None:
    proposed = with_fields(ORDER_ID, STATUS, AMOUNT, StructField("channel", StringType(), False), ORDER_DATE)

    assert compare("orders", DEPLOYED, proposed) == [
        Change("orders", "channel", "added_required_column", None, "string", breaking=True)
    ]


def test_a_removed_column_is_breaking_even_though_avro_backward_allows_it() -> None:
    proposed = with_fields(ORDER_ID, AMOUNT, ORDER_DATE)

    assert compare("orders", DEPLOYED, proposed) == [
        Change("orders", "status", "removed_column", "string", None, breaking=True)
    ]


def test_a_widening_type_change_is_breaking() -> None:
    # int -> bigint: Spark 3's vectorized Parquet reader cannot read the old files with the new type.
    proposed = with_fields(StructField("order_id", LongType(), False), STATUS, AMOUNT, ORDER_DATE)

    assert compare("orders", DEPLOYED, proposed) == [
        Change("orders", "order_id", "type_changed", "int", "bigint", breaking=True)
    ]


def test_a_decimal_precision_change_is_a_type_change() -> None:
    proposed = with_fields(ORDER_ID, STATUS, StructField("amount", DecimalType(12, 2), True), ORDER_DATE)

    assert compare("orders", DEPLOYED, proposed) == [
        Change("orders", "amount", "type_changed", "decimal(10,2)", "decimal(12,2)", breaking=True)
    ]


def test_nullable_to_required_is_breaking() -> None:
    proposed = with_fields(ORDER_ID, StructField("status", StringType(), False), AMOUNT, ORDER_DATE)

    assert compare("orders", DEPLOYED, proposed) == [
        Change("orders", "status", "became_required", "nullable", "required", breaking=True)
    ]


def test_required_to_nullable_is_compatible() -> None:
    proposed = with_fields(StructField("order_id", IntegerType(), True), STATUS, AMOUNT, ORDER_DATE)

    assert compare("orders", DEPLOYED, proposed) == [
        Change("orders", "order_id", "became_nullable", "required", "nullable", breaking=False)
    ]


def test_a_changed_partition_key_is_breaking() -> None:
    # status moves from a data column to a second partition key: same columns, different layout on S3.
    status_key = StructField("status", StringType(), True, metadata={"partition_key": True})
    proposed = with_fields(ORDER_ID, AMOUNT, ORDER_DATE, status_key)

    assert compare("orders", DEPLOYED, proposed) == [
        Change("orders", "", "partition_keys_changed", "order_date", "order_date, status", breaking=True)
    ]


def test_a_comment_only_change_is_compatible_and_reported() -> None:
    deployed = with_fields(StructField("status", StringType(), True, metadata={"comment": "Order status"}))
    proposed = with_fields(StructField("status", StringType(), True, metadata={"comment": "Shipping status"}))
    uncommented = with_fields(STATUS)

    assert compare("orders", deployed, proposed) == [
        Change("orders", "status", "comment_changed", "Order status", "Shipping status", breaking=False)
    ]
    assert compare("orders", uncommented, proposed) == [
        Change("orders", "status", "comment_changed", None, "Shipping status", breaking=False)
    ]


def test_nested_struct_fields_are_compared_by_path() -> None:
    city = StructField("city", StringType(), True)
    deployed = with_fields(ORDER_ID, StructField("address", StructType([city, StructField("zip", IntegerType())])))
    proposed = with_fields(
        ORDER_ID,
        StructField(
            "address",
            StructType([city, StructField("zip", StringType()), StructField("country", StringType(), True)]),
        ),
    )

    assert compare("customers", deployed, proposed) == [
        Change("customers", "address.zip", "type_changed", "int", "string", breaking=True),
        Change("customers", "address.country", "added_nullable_column", None, "string", breaking=False),
    ]


def test_array_elements_and_map_values_are_compared_by_path() -> None:
    line = StructType([StructField("sku", StringType(), False)])
    deployed = with_fields(
        StructField("lines", ArrayType(line, containsNull=True)),
        StructField("tags", MapType(StringType(), IntegerType(), valueContainsNull=True)),
    )
    proposed = with_fields(
        StructField("lines", ArrayType(StructType([StructField("sku", StringType(), True)]), containsNull=False)),
        StructField("tags", MapType(StringType(), LongType(), valueContainsNull=True)),
    )

    assert compare("orders", deployed, proposed) == [
        Change("orders", "lines.element.sku", "became_nullable", "required", "nullable", breaking=False),
        Change("orders", "lines.element", "became_required", "nullable", "required", breaking=True),
        Change("orders", "tags.value", "type_changed", "int", "bigint", breaking=True),
    ]


def test_a_map_key_type_change_is_a_type_change_of_the_key() -> None:
    deployed = with_fields(StructField("stock", MapType(StringType(), LongType(), valueContainsNull=True)))
    proposed = with_fields(StructField("stock", MapType(IntegerType(), LongType(), valueContainsNull=True)))

    assert compare("warehouse", deployed, proposed) == [
        Change("warehouse", "stock.key", "type_changed", "string", "int", breaking=True)
    ]


def test_map_values_becoming_required_is_breaking_and_becoming_nullable_is_compatible() -> None:
    may_be_null = with_fields(StructField("stock", MapType(StringType(), LongType(), valueContainsNull=True)))
    never_null = with_fields(StructField("stock", MapType(StringType(), LongType(), valueContainsNull=False)))

    assert compare("warehouse", may_be_null, never_null) == [
        Change("warehouse", "stock.value", "became_required", "nullable", "required", breaking=True)
    ]
    assert compare("warehouse", never_null, may_be_null) == [
        Change("warehouse", "stock.value", "became_nullable", "required", "nullable", breaking=False)
    ]


def test_reordered_partition_keys_are_breaking() -> None:
    # Same two keys, other order: the folders on S3 are order_date=.../region=..., not region=.../order_date=....
    region = StructField("region", StringType(), True, metadata={"partition_key": True})
    deployed = with_fields(ORDER_ID, STATUS, ORDER_DATE, region)
    proposed = with_fields(ORDER_ID, STATUS, region, ORDER_DATE)

    assert compare("orders", deployed, proposed) == [
        Change("orders", "", "partition_keys_changed", "order_date, region", "region, order_date", breaking=True)
    ]


def ruled(name: str, data_type: Any, rules: dict[str, Any]) -> StructType:
    return with_fields(StructField(name, data_type, True, {"rules": rules} if rules else {}))


TIGHTENED, LOOSENED = "rule_tightened", "rule_loosened"


@pytest.mark.parametrize(
    ("column_type", "before", "after", "kind", "described"),
    [
        (IntegerType(), {}, {"min": 0}, TIGHTENED, (None, "min 0")),
        (IntegerType(), {"min": 0}, {}, LOOSENED, ("min 0", None)),
        (IntegerType(), {"min": 0}, {"min": 1}, TIGHTENED, ("min 0", "min 1")),
        (IntegerType(), {"min": 1}, {"min": 0}, LOOSENED, ("min 1", "min 0")),
        (DecimalType(10, 2), {"max": 10}, {"max": 9.99}, TIGHTENED, ("max 10", "max 9.99")),
        (DecimalType(10, 2), {"max": 9.99}, {"max": 10}, LOOSENED, ("max 9.99", "max 10")),
        (DateType(), {"min": "2024-01-01"}, {"min": "2024-01-02"}, TIGHTENED, ("min 2024-01-01", "min 2024-01-02")),
        (StringType(), {}, {"not_blank": True}, TIGHTENED, (None, "not_blank")),
        (StringType(), {"not_blank": True}, {}, LOOSENED, ("not_blank", None)),
        (StringType(), {"allowed": ["a", "b"]}, {"allowed": ["a"]}, TIGHTENED, ('allowed ["a", "b"]', 'allowed ["a"]')),
        (StringType(), {"allowed": ["a"]}, {"allowed": ["a", "b"]}, LOOSENED, ('allowed ["a"]', 'allowed ["a", "b"]')),
        (
            StringType(),
            {"allowed": ["a", "b"]},
            {"allowed": ["a", "c"]},
            TIGHTENED,
            ('allowed ["a", "b"]', 'allowed ["a", "c"]'),
        ),
        (StringType(), {}, {"pattern": "S[0-9]+"}, TIGHTENED, (None, "pattern S[0-9]+")),
        (
            StringType(),
            {"pattern": "S[0-9]+"},
            {"pattern": "[A-Z][0-9]+"},
            TIGHTENED,
            ("pattern S[0-9]+", "pattern [A-Z][0-9]+"),
        ),
        (StringType(), {"pattern": "S[0-9]+"}, {}, LOOSENED, ("pattern S[0-9]+", None)),
    ],
)
def test_a_tightened_rule_is_breaking_and_a_loosened_one_compatible(
    column_type: Any, before: dict[str, Any], after: dict[str, Any], kind: str, described: tuple[str | None, str | None]
) -> None:
    # Tightened: the rows already there were never checked against it, as with nullable -> required.
    assert compare("orders", ruled("value", column_type, before), ruled("value", column_type, after)) == [
        Change("orders", "value", kind, *described, breaking=kind == TIGHTENED)
    ]


def test_each_rule_is_its_own_change_and_allowed_values_may_be_reordered() -> None:
    before = ruled("qty", IntegerType(), {"min": 0, "max": 10, "allowed": [1, 2]})
    after = ruled("qty", IntegerType(), {"min": 1, "max": 20, "allowed": [2, 1]})

    assert compare("orders", before, after) == [
        Change("orders", "qty", "rule_tightened", "min 0", "min 1", breaking=True),
        Change("orders", "qty", "rule_loosened", "max 10", "max 20", breaking=False),
    ]
    assert compare("orders", after, after) == []


def test_rule_changes_read_as_one_line_each() -> None:
    report = DatasetReport(
        "orders",
        (
            Change("orders", "qty", "rule_tightened", None, "min 0", breaking=True),
            Change("orders", "status", "rule_loosened", 'allowed ["a"]', None, breaking=False),
        ),
    )

    assert report.lines() == [
        "BREAKING      orders.qty: rule tightened none -> min 0; the rows already there were never checked against it",
        'COMPATIBLE    orders.status: rule loosened allowed ["a"] -> none',
    ]


def test_a_report_prints_one_line_per_change_with_its_own_verdict() -> None:
    report = DatasetReport(
        "orders",
        (
            Change("orders", "channel", "added_nullable_column", None, "string", breaking=False),
            Change("orders", "status", "removed_column", "string", None, breaking=True),
        ),
    )

    assert report.status == "BREAKING"
    assert report.lines() == [
        "COMPATIBLE    orders.channel: nullable column added (string); existing rows read it as null",
        "BREAKING      orders.status: column removed (was string); jobs that read it by name would fail",
    ]


def test_a_report_without_changes_is_one_ok_line_and_a_missing_table_is_not_deployed() -> None:
    assert DatasetReport("orders").lines() == ["OK            orders"]
    assert DatasetReport("orders", deployed=False, note="no table yet").lines() == [
        "NOT DEPLOYED  orders: no table yet"
    ]


def write_files(root: Path, *relative_paths: str) -> None:
    for relative in relative_paths:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("id\n1\n")


def test_sample_folders_are_found_by_dataset_name_at_any_depth(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        "classicmodels/customers/customers.csv",
        "classicmodels/orders/2024/orders.csv",  # inside a dataset folder: that dataset's files
        "records/records.csv",
        "legacy/invoices/invoices.csv",  # no contract: listed, not checked
        "_scratch/notes.csv",  # hidden from Spark, hidden here
    )

    found = find_sample_folders(tmp_path, {"customers", "orders", "records", "fact_orders"})

    assert found.datasets == {
        "customers": tmp_path / "classicmodels" / "customers",
        "orders": tmp_path / "classicmodels" / "orders",
        "records": tmp_path / "records",
    }
    assert found.without_contract == [tmp_path / "legacy" / "invoices"]


def test_two_sample_folders_for_one_dataset_are_refused(tmp_path: Path) -> None:
    write_files(tmp_path, "a/records/1.csv", "b/records/2.csv")

    with pytest.raises(SampleDataError, match="Dataset 'records' has two sample-data folders"):
        find_sample_folders(tmp_path, {"records"})


def test_a_missing_sample_data_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SampleDataError, match=r"does not exist\. Pass the right one with --sample-data"):
        find_sample_folders(tmp_path / "nowhere", {"records"})
