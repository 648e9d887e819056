"""The pure parts of the contract checks: schema comparison, messages, reconciliation. No Spark session."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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

from {{ cookiecutter.job_name }}.kit.contracts import Contract
from {{ cookiecutter.job_name }}.kit.contracts.compliance import (
    CORRUPT_RECORD_COLUMN,
    ContractViolationError,
    EmptyInputError,
    Policy,
    QuarantineMismatchError,
    Violation,
    reconcile,
    require_rows,
    schema_violations,
)
from {{ cookiecutter.job_name }}.kit.io.quarantine import quarantine_location
from {{ cookiecutter.job_name }}.kit.io.readers import header_violations
from {{ cookiecutter.job_name }}.kit.results import IntakeReport, describe_intake
from {{ cookiecutter.job_name }}.kit.testing import data as contract_data

ORDERS = Contract(
    "orders",
    StructType(
        [
            StructField("order_id", IntegerType(), False, {"comment": "key"}),
            StructField("customer", StringType(), True),
            StructField("total", DecimalType(10, 2), True),
            StructField("order_date", DateType(), False, {"partition_key": True}),
        ]
    ),
)

LINE = StructType([StructField("sku", StringType(), False, {"comment": "product"}), StructField("qty", IntegerType())])
NESTED = Contract(
    "baskets",
    StructType(
        [
            StructField("lines", ArrayType(LINE, containsNull=False), False),
            StructField("tags", MapType(StringType(), ArrayType(StringType(), False), False), True),
        ]
    ),
)


def test_a_schema_equal_to_the_contract_has_no_violations() -> None:
    assert schema_violations(ORDERS.schema, ORDERS) == []


def test_missing_unexpected_and_retyped_columns_are_each_reported() -> None:
    actual = contract_data.with_field(
        contract_data.retyped(contract_data.without_field(ORDERS.schema, "customer"), "total", StringType()),
        StructField("coupon", StringType()),
    )

    assert schema_violations(actual, ORDERS) == [
        Violation("missing_column", "customer", "the contract's string column is absent"),
        Violation("unexpected_column", "coupon", "string column is not in the contract"),
        Violation("type_mismatch", "total", "the contract says decimal(10,2), the data has string"),
    ]


def test_nullability_and_metadata_are_ignored_at_every_nesting_level() -> None:
    loose_line = StructType([StructField("sku", StringType(), True), StructField("qty", IntegerType(), True)])
    actual = StructType(
        [
            StructField("lines", ArrayType(loose_line, containsNull=True), True),
            StructField("tags", MapType(StringType(), ArrayType(StringType(), True), True), True),
        ]
    )

    assert schema_violations(actual, NESTED) == []


def test_a_type_change_deep_inside_a_nested_column_is_a_type_mismatch() -> None:
    wider_line = StructType([StructField("sku", StringType(), False), StructField("qty", LongType())])
    actual = contract_data.retyped(NESTED.schema, "lines", ArrayType(wider_line, containsNull=False))

    assert schema_violations(actual, NESTED) == [
        Violation(
            "type_mismatch",
            "lines",
            "the contract says array<struct<sku:string,qty:int>>, the data has array<struct<sku:string,qty:bigint>>",
        )
    ]


def test_the_readers_corrupt_record_column_is_not_an_unexpected_column() -> None:
    actual = contract_data.with_field(ORDERS.schema, StructField(CORRUPT_RECORD_COLUMN, StringType()))
    assert schema_violations(actual, ORDERS) == []


def test_violations_read_as_one_line_each_with_their_row_counts() -> None:
    assert str(Violation("null_in_required", "order_id", "null in required column order_id", 1)) == (
        "null_in_required order_id: null in required column order_id (1 row)"
    )
    assert (
        str(Violation("malformed_record", None, "could not parse", 3)) == "malformed_record: could not parse (3 rows)"
    )
    assert str(Violation("missing_column", "customer", "absent")) == "missing_column customer: absent"
    assert Violation("type_mismatch", "total", "x").structural
    assert not Violation("malformed_record", None, "x", 1).structural


def test_the_error_lists_every_violation_on_its_own_line_and_says_how_to_fix() -> None:
    violations = [
        Violation("missing_column", "customer", "the contract's string column is absent"),
        Violation("null_in_required", "order_id", "null in required column order_id", 2),
    ]

    error = ContractViolationError("orders", violations, note="CSV header of /in: order_id,total,order_date")

    assert error.dataset == "orders"
    assert error.violations == tuple(violations)
    assert str(error).splitlines() == [
        "Dataset 'orders' breaks its contract (2 violations):",
        "  - missing_column customer: the contract's string column is absent",
        "  - null_in_required order_id: null in required column order_id (2 rows)",
        "CSV header of /in: order_id,total,order_date",
        "How to fix: correct the source data (or the transform that builds this dataset). If the change is "
        "intended, change the contract deliberately (contracts/schemas/orders.*) and tell the dataset's consumers.",
    ]


def test_policies_are_named_by_their_values() -> None:
    assert Policy("quarantine") is Policy.QUARANTINE
    assert str(Policy.FAIL) == "fail"


def test_a_csv_header_is_compared_by_name_and_duplicates_are_unexpected() -> None:
    assert header_violations(["order_date", "total", "customer", "order_id"], ORDERS) == []
    assert header_violations(["order_id", "total", "total", "coupon", "order_date"], ORDERS) == [
        Violation("missing_column", "customer", "the contract's string column is not in the CSV header"),
        Violation("unexpected_column", "total", "appears 2 times in the header"),
        Violation("unexpected_column", "coupon", "column in the CSV header is not in the contract"),
    ]


def test_rows_that_went_neither_through_nor_into_quarantine_stop_the_run() -> None:
    reconcile("orders", rows_in=5, rows_out=3, rows_quarantined=2, location="/q/orders/run_id=r1")

    with pytest.raises(
        QuarantineMismatchError, match=r"5 rows read, but 3 passed \+ 1 landed in /q/orders/run_id=r1 = 4\."
    ):
        reconcile("orders", rows_in=5, rows_out=3, rows_quarantined=1, location="/q/orders/run_id=r1")


@pytest.mark.parametrize(
    ("rows_out", "rows_quarantined", "message"),
    [
        (3, 3, r"Dataset 'orders': 5 rows read, but 3 passed \+ 3 landed in /q/orders/run_id=r1 = 6\."),
        (5, 1, r"Dataset 'orders': 5 rows read, but 5 passed \+ 1 landed in /q/orders/run_id=r1 = 6\."),
        (0, 0, r"Dataset 'orders': 5 rows read, but 0 passed \+ 0 landed in /q/orders/run_id=r1 = 0\."),
    ],
    ids=["more-landed", "extra-beside-all-passed", "nothing-landed"],
)
def test_more_rows_than_were_read_stop_the_run_as_fewer_do(rows_out: int, rows_quarantined: int, message: str) -> None:
    # More is as wrong as fewer: a quarantine holding rows this run did not reject, or rows counted twice.
    with pytest.raises(QuarantineMismatchError, match=message):
        reconcile(
            "orders", rows_in=5, rows_out=rows_out, rows_quarantined=rows_quarantined, location="/q/orders/run_id=r1"
        )


def test_the_quarantine_has_one_folder_per_dataset_and_run() -> None:
    assert (
        quarantine_location("s3://bucket/quarantine/", "orders", "jr_1") == "s3://bucket/quarantine/orders/run_id=jr_1"
    )


def report(dataset: str, rows_in: int, rows_out: int, quarantined: int) -> IntakeReport:
    path = f"/q/{dataset}/run_id=r1" if quarantined else None
    return IntakeReport(dataset, rows_in, rows_out, quarantined, path, ())


def test_inputs_without_rows_are_all_named_in_one_error() -> None:
    require_rows([report("orders", 3, 3, 0)])

    with pytest.raises(EmptyInputError) as error:
        require_rows([report("orders", 0, 0, 0), report("customers", 4, 4, 0), report("products", 2, 0, 2)])

    assert str(error.value).splitlines()[:3] == [
        "Inputs without rows:",
        "  orders: no rows",
        "  products: all 2 rows quarantined in /q/products/run_id=r1",
    ]


def test_the_intake_summary_has_one_line_per_input() -> None:
    assert describe_intake([report("orders", 5, 3, 2), report("customers", 4, 4, 0)]).splitlines() == [
        "input       rows in    passed  quarantined  quarantine",
        "orders            5         3            2  /q/orders/run_id=r1",
        "customers         4         4            0  -",
    ]


def test_contract_rows_are_deterministic_typed_and_overridable() -> None:
    assert contract_data.valid_row(ORDERS, 1, customer=None) == {
        "order_id": 2,
        "customer": None,
        "total": Decimal("2.25"),
        "order_date": date(2024, 1, 2),
    }
    with pytest.raises(TypeError, match=r"\['coupon'\] are not columns of orders"):
        contract_data.valid_row(ORDERS, coupon="x")


def test_rows_become_csv_and_json_lines_and_mutators_break_one_thing() -> None:
    rows = contract_data.valid_rows(ORDERS, 2)
    text = contract_data.csv_text(rows)

    assert text == "order_id,customer,total,order_date\n1,customer-1,1.25,2024-01-01\n2,customer-2,2.25,2024-01-02\n"
    assert contract_data.mutate_line(text, 1, contract_data.csv_extra_token).splitlines()[1] == (
        "1,customer-1,1.25,2024-01-01,EXTRA"
    )
    assert contract_data.mutate_line(text, 2, contract_data.csv_missing_token).splitlines()[2] == "2,customer-2,2.25"
    assert contract_data.json_lines(rows[:1]) == (
        '{"order_id": 1, "customer": "customer-1", "total": 1.25, "order_date": "2024-01-01"}\n'
    )
    assert contract_data.corrupt_json_line('{"order_id": 1}') == '{"order_id": 1'
    assert contract_data.drop_column(rows[0], "total") == {
        "order_id": 1,
        "customer": "customer-1",
        "order_date": date(2024, 1, 1),
    }
