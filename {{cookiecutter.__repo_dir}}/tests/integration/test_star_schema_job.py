"""The whole star-schema job through its entry point, on the bundled sample data, with local Spark.

Expected figures come from reading the CSV files with the csv module, never from the code under test.
"""

from __future__ import annotations

import csv
import filecmp
import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import builders
from {{ cookiecutter.job_name }}.jobs.star_schema import (
    SourceIntegrityError,
    StarSchemaJobConfig,
    run_pipeline,
)
from {{ cookiecutter.job_name }}.kit.args import JobArgumentError
from {{ cookiecutter.job_name }}.kit.contracts.compliance import ContractViolationError, EmptyInputError
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.handler import run_job
from {{ cookiecutter.job_name }}.kit.results import RunSummary, WrittenTable
from {{ cookiecutter.job_name }}.kit.runtime import SparkRuntime
from {{ cookiecutter.job_name }}.kit.testing.quarantine import read_quarantine

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data" / "classicmodels"
RUN_ID = "jr_test"
# A customer row with one field too many; no order refers to customer 999.
MALFORMED_CUSTOMER = "999,Bad Row Inc.,Doe,Jane,555 0100,1 Main St,,Springfield,IL,62701,USA,1165,1000.00,EXTRA"
# Another, set aside by the full rebuild below.
OTHER_MALFORMED_CUSTOMER = "998,Bad Row Ltd.,Roe,Rick,555 0199,2 Main St,,Springfield,IL,62701,USA,1165,EXTRA"
MULTI_LINE_COMMENT = "Arrived damaged.\nCustomer asked for a credit note."
DIMENSIONS = ("dim_customers", "dim_products", "dim_locations")
TABLES = ("fact_orders", *DIMENSIONS)


def sample_rows(table: str) -> list[dict[str, str]]:
    with (SAMPLE / table / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def address_key(row: dict[str, str]) -> str:
    return builders.location_key(row["city"], row["state"], row["postalCode"], row["country"])


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def append_line(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def data_files(folder: Path) -> list[Path]:
    """The data files under ``folder`` on disk: Spark's ``_SUCCESS`` and ``.crc`` files are not data."""
    return sorted(path for path in folder.rglob("*") if path.is_file() and not path.name.startswith(("_", ".")))


def files_by_folder(table: Path) -> dict[str, int]:
    return {
        folder.relative_to(table).as_posix(): len(data_files(folder))
        for folder in [table, *table.glob("order_date=*")]
        if any(path.is_file() for path in folder.iterdir())
    }


@contextmanager
def several_tasks(spark: SparkSession) -> Iterator[None]:
    """More shuffle partitions than the tests' one, as on a cluster: each stage of the run is several tasks,
    so a write that kept them would write several files per table or partition folder."""
    previous = str(spark.conf.get("spark.sql.shuffle.partitions"))  # always set: Spark has a default
    spark.conf.set("spark.sql.shuffle.partitions", "4")
    try:
        yield
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)


def run(runtime: SparkRuntime, raw_path: Path, output: Path, quarantine: Path) -> RunSummary:
    argv = [
        "script",
        *("--JOB_NAME", "star_schema", "--JOB_RUN_ID", RUN_ID),
        *("--raw_path", str(raw_path), "--output_path", str(output), "--quarantine_path", str(quarantine)),
    ]
    return run_job(argv, StarSchemaJobConfig, run_pipeline, lambda: runtime)


@dataclass(frozen=True)
class SampleRun:
    runtime: SparkRuntime
    summary: RunSummary
    written: dict[str, WrittenTable]
    raw: Path
    output: Path
    quarantine: Path


@pytest.fixture(scope="module")
def sample_run(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """The job runs once, on the sample data plus one malformed customer row and one order whose comment
    spans two lines (valid CSV: the field is quoted); every test below reads what it left."""
    raw = tmp_path_factory.mktemp("raw") / "classicmodels"
    shutil.copytree(SAMPLE, raw)
    append_line(raw / "customers" / "customers.csv", MALFORMED_CUSTOMER)
    orders = sample_rows("orders")
    write_rows(raw / "orders" / "orders.csv", [{**orders[0], "comments": MULTI_LINE_COMMENT}, *orders[1:]])
    runtime = SparkRuntime(spark)
    output = tmp_path_factory.mktemp("star_schema")
    quarantine = tmp_path_factory.mktemp("quarantine")
    with several_tasks(spark):
        summary = run(runtime, raw, output, quarantine)
    return SampleRun(runtime, summary, {table.name: table for table in summary.written}, raw, output, quarantine)


def run_again(spark: SparkSession, sample_run: SampleRun, folder: Path, raw: Path) -> SampleRun:
    """A later run of the same job run id over a copy of what the sample run left (output and quarantine)."""
    output, quarantine = folder / "output", folder / "quarantine"
    shutil.copytree(sample_run.output, output)
    shutil.copytree(sample_run.quarantine, quarantine)
    runtime = SparkRuntime(spark)
    with several_tasks(spark):
        summary = run(runtime, raw, output, quarantine)
    return SampleRun(runtime, summary, {table.name: table for table in summary.written}, raw, output, quarantine)


@pytest.fixture(scope="module")
def rerun(spark: SparkSession, sample_run: SampleRun, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """The sample run again, on the same input, over its own output."""
    return run_again(spark, sample_run, tmp_path_factory.mktemp("rerun"), sample_run.raw)


# Every order of this day goes from the source before the rebuild: its partition must go too.
GONE_DATE = sample_rows("orders")[0]["orderDate"]
GONE_ORDERS = {row["orderNumber"] for row in sample_rows("orders") if row["orderDate"] == GONE_DATE}


@pytest.fixture(scope="module")
def rebuild(spark: SparkSession, sample_run: SampleRun, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """A rebuild over the sample run's output from a source without the orders (and lines) of GONE_DATE,
    and with another malformed customer in place of the first."""
    folder = tmp_path_factory.mktemp("rebuild")
    raw = folder / "raw"
    shutil.copytree(SAMPLE, raw)
    orders = [row for row in sample_rows("orders") if row["orderNumber"] not in GONE_ORDERS]
    lines = [row for row in sample_rows("orderdetails") if row["orderNumber"] not in GONE_ORDERS]
    write_rows(raw / "orders" / "orders.csv", orders)
    write_rows(raw / "orderdetails" / "orderdetails.csv", lines)
    append_line(raw / "customers" / "customers.csv", OTHER_MALFORMED_CUSTOMER)
    return run_again(spark, sample_run, folder, raw)


def test_malformed_source_row_is_quarantined_and_the_rebuild_goes_on(sample_run: SampleRun) -> None:
    rows = read_quarantine(sample_run.quarantine, "customers", RUN_ID)

    assert [(row["customerNumber"], row["_quarantine_reason"], row["_raw_record"], row["_run_id"]) for row in rows] == [
        (999, "malformed record: more fields than the header's 13", MALFORMED_CUSTOMER, RUN_ID)
    ]
    intake = {
        report.dataset: (report.rows_in, report.rows_out, report.rows_quarantined)
        for report in sample_run.summary.inputs
    }
    read = ["customers", "employees", "offices", "orders", "orderdetails", "products", "productlines"]
    expected = {table: (len(sample_rows(table)), len(sample_rows(table)), 0) for table in read}
    expected["customers"] = (len(sample_rows("customers")) + 1, len(sample_rows("customers")), 1)
    # The change-records pattern's feed, when installed: its change files' lines, none quarantined.
    for feed in CDC_FEEDS.values():
        lines = sum(
            len(list(csv.DictReader(path.open(encoding="utf-8")))) for path in (SAMPLE / feed["changes"]).glob("*.csv")
        )
        expected[feed["changes"]] = (lines, lines, 0)
    assert intake == expected
    assert sample_run.runtime.committed


def test_sample_run_writes_every_table_with_the_expected_rows_and_commits(sample_run: SampleRun) -> None:
    addresses = {address_key(row) for row in sample_rows("customers") + sample_rows("offices")}

    expected = {
        "fact_orders": len(sample_rows("orderdetails")),
        "dim_customers": len(sample_rows("customers")),
        "dim_products": len(sample_rows("products")),
        "dim_locations": len(addresses),
    }
    # A table a cookbook pattern adds (point_in_time: a snapshot of a dimension) has the rows of its source.
    snapshots = load_job("star_schema").settings_for("point_in_time").get("snapshots", {})
    expected |= {snapshot: expected[source] for snapshot, source in snapshots.items()}
    # The change-records pattern's state: every customer, and the two keys its sample feed deletes (600, 999).
    expected |= {feed["state"]: len(sample_rows("customers")) + 2 for feed in CDC_FEEDS.values()}
    assert {name: table.rows for name, table in sample_run.written.items()} == expected
    assert sample_run.runtime.committed


def test_fact_orders_is_partitioned_by_order_date_with_one_file_each(sample_run: SampleRun) -> None:
    ordered = {row["orderNumber"] for row in sample_rows("orderdetails")}
    dates = {row["orderDate"] for row in sample_rows("orders") if row["orderNumber"] in ordered}
    fact = sample_run.output / "fact_orders"

    assert sorted(path.name for path in fact.glob("order_date=*")) == sorted(f"order_date={day}" for day in dates)
    assert all(len(list(folder.glob("*.parquet"))) == 1 for folder in fact.glob("order_date=*"))


def test_every_dimension_is_one_data_file(sample_run: SampleRun) -> None:
    for name in DIMENSIONS:
        files = data_files(sample_run.output / name)
        assert [path.parent.name for path in files] == [name], name
        assert files[0].name.endswith(".parquet")


def test_a_rerun_gives_the_same_tables_file_for_file(
    spark: SparkSession, sample_run: SampleRun, rerun: SampleRun
) -> None:
    for name in TABLES:
        before = spark.read.parquet(str(sample_run.output / name))
        after = spark.read.parquet(str(rerun.output / name))
        assert after.count() == sample_run.written[name].rows, name
        assert_df_equality(after, before, ignore_row_order=True)
        assert files_by_folder(rerun.output / name) == files_by_folder(sample_run.output / name), name
    assert rerun.written["fact_orders"].rows == len(sample_rows("orderdetails"))
    assert rerun.runtime.committed


def test_the_quarantine_of_a_rerun_holds_that_runs_rejected_rows_only(rerun: SampleRun, rebuild: SampleRun) -> None:
    def raw_records(done: SampleRun) -> list[object]:
        return [row["_raw_record"] for row in read_quarantine(done.quarantine, "customers", RUN_ID)]

    # The same run id each time: the sample run's row is replaced, by itself and then by the other.
    assert raw_records(rerun) == [MALFORMED_CUSTOMER]
    assert raw_records(rebuild) == [OTHER_MALFORMED_CUSTOMER]


def test_a_full_rebuild_drops_the_partition_of_a_date_gone_from_the_source(
    spark: SparkSession, sample_run: SampleRun, rebuild: SampleRun
) -> None:
    fact = rebuild.output / "fact_orders"
    kept_lines = [row for row in sample_rows("orderdetails") if row["orderNumber"] not in GONE_ORDERS]
    kept_dates = {row["orderDate"] for row in sample_rows("orders") if row["orderNumber"] not in GONE_ORDERS}
    assert (sample_run.output / "fact_orders" / f"order_date={GONE_DATE}").is_dir()

    assert not (fact / f"order_date={GONE_DATE}").exists()
    assert sorted(path.name for path in fact.glob("order_date=*")) == sorted(f"order_date={day}" for day in kept_dates)
    rows = spark.read.parquet(str(fact))
    assert rows.count() == len(kept_lines)
    assert rows.where(F.col("order_number").isin([int(order) for order in GONE_ORDERS])).count() == 0
    assert rebuild.runtime.committed


def test_fact_amounts_customers_and_locations_match_the_csv_files(spark: SparkSession, sample_run: SampleRun) -> None:
    customers = {row["customerNumber"]: row for row in sample_rows("customers")}
    buyers = {row["orderNumber"]: customers[row["customerNumber"]] for row in sample_rows("orders")}
    lines = sample_rows("orderdetails")

    totals = (
        spark.read.parquet(sample_run.written["fact_orders"].path)
        .agg(
            F.sum("line_amount").alias("amount"),
            F.collect_set("customer_number").alias("customers"),
            F.collect_set("location_key").alias("locations"),
        )
        .first()
    )

    assert totals is not None
    assert totals["amount"] == sum(int(line["quantityOrdered"]) * Decimal(line["priceEach"]) for line in lines)
    assert set(totals["customers"]) == {int(buyers[line["orderNumber"]]["customerNumber"]) for line in lines}
    assert set(totals["locations"]) == {address_key(buyers[line["orderNumber"]]) for line in lines}


def test_unknown_product_stops_the_job_before_writing_and_does_not_commit(spark: SparkSession, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    with (raw / "orderdetails" / "orderdetails.csv").open("a", encoding="utf-8") as handle:
        handle.write("10100,S99_9999,1,1.00,9\n")
    runtime = SparkRuntime(spark)
    output = tmp_path / "output"

    with pytest.raises(SourceIntegrityError, match=r"orderdetails\.productCode not in products: S99_9999 \(1 row\)"):
        run(runtime, raw, output, tmp_path / "quarantine")

    assert not runtime.committed
    assert not output.exists()


def test_an_order_quarantined_at_intake_is_named_as_the_cause_of_its_orphaned_lines(
    spark: SparkSession, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    orders = sample_rows("orders")
    write_rows(raw / "orders" / "orders.csv", [{**orders[0], "orderDate": "01/05/2024"}, *orders[1:]])
    order = orders[0]["orderNumber"]
    lines = sum(1 for line in sample_rows("orderdetails") if line["orderNumber"] == order)
    runtime = SparkRuntime(spark)

    with pytest.raises(SourceIntegrityError) as error:
        run(runtime, raw, tmp_path / "output", tmp_path / "quarantine")

    reason = "malformed record: orderDate '01/05/2024' is not a valid date; null in required column orderDate"
    location = tmp_path / "quarantine" / "orders" / f"run_id={RUN_ID}"
    assert (
        f"orders.orderNumber {order} was quarantined ({reason}); its {lines} rows in orderdetails have no orders "
        f"row to join (see {location})"
    ) in str(error.value)
    assert not (tmp_path / "output").exists()
    assert not runtime.committed


# Source tables folded from a change feed (the change-records pattern, when installed): table -> its settings.
CDC_FEEDS: dict[str, dict[str, Any]] = load_job("star_schema").settings_for("cdc")

# A column of each source table that is not part of its key, and a valid value to put there.
CHANGED_VALUES = {
    "customers": ("customerName", "Renamed Wholesalers"),
    "employees": ("extension", "x0000"),
    "offices": ("phone", "+1 000 000 0000"),
    "orders": ("comments", "A second version of this order."),
    "orderdetails": ("quantityOrdered", "1"),
    "products": ("productName", "A second name"),
    "productlines": ("textDescription", "A second description."),
}
KEY_COLUMNS = {
    "customers": ["customerNumber"],
    "employees": ["employeeNumber"],
    "offices": ["officeCode"],
    "orders": ["orderNumber"],
    "orderdetails": ["orderNumber", "productCode"],
    "products": ["productCode"],
    "productlines": ["productLine"],
}


def test_a_key_held_by_two_different_rows_stops_the_job_naming_it(spark: SparkSession, tmp_path: Path) -> None:
    """Every join looks its key up once; two versions of a row would multiply the rows joined to it."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    expected = []
    # A table folded from a change feed has its duplicated full-load key reported by the fold instead
    # (tests/kit/test_cdc.py): it never reaches these checks.
    for table, (column, value) in CHANGED_VALUES.items():
        if table in CDC_FEEDS:
            continue
        rows = sample_rows(table)
        write_rows(raw / table / f"{table}.csv", [*rows, {**rows[0], column: value}])
        key = "/".join(rows[0][part] for part in KEY_COLUMNS[table])
        expected.append(f"{table}.{'+'.join(KEY_COLUMNS[table])} is duplicated: {key} (2 rows)")
    runtime = SparkRuntime(spark)

    with pytest.raises(SourceIntegrityError) as error:
        run(runtime, raw, tmp_path / "output", tmp_path / "quarantine")

    listed = str(error.value).splitlines()[1:]
    assert sorted(line.strip() for line in listed) == sorted(expected)
    assert not (tmp_path / "output").exists()
    assert not runtime.committed


def test_empty_source_table_fails_before_touching_the_existing_output(spark: SparkSession, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    orders = raw / "orders" / "orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    earlier = tmp_path / "output" / "dim_customers" / "part-earlier.parquet"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"written by an earlier run")
    runtime = SparkRuntime(spark)

    with pytest.raises(EmptyInputError, match=r"Inputs without rows:\n  orders: no rows\n"):
        run(runtime, raw, tmp_path / "output", tmp_path / "quarantine")

    assert [path.name for path in (tmp_path / "output").rglob("*")] == ["dim_customers", "part-earlier.parquet"]
    assert earlier.read_bytes() == b"written by an earlier run"
    assert not runtime.committed


def test_an_order_line_whose_quantity_overflows_fails_the_run_and_shows_the_line(
    spark: SparkSession, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    line = "10100,S18_1749,99999999999,136.00,9"  # more than an int holds
    append_line(raw / "orderdetails" / "orderdetails.csv", line)
    runtime = SparkRuntime(spark)

    with pytest.raises(ContractViolationError, match=r"Dataset 'orderdetails' breaks its contract") as error:
        run(runtime, raw, tmp_path / "output", tmp_path / "quarantine")

    assert [(violation.kind, violation.column, violation.rows) for violation in error.value.violations] == [
        ("malformed_record", None, 1),
        ("null_in_required", "quantityOrdered", 1),
    ]
    # The message names the file, the key that parsed, why the rest did not, and the raw text.
    reason = (
        "malformed record: quantityOrdered '99999999999' is not a valid int; null in required column quantityOrdered"
    )
    assert (
        f"orderdetails.csv: {reason}; parsed orderNumber=10100, productCode='S18_1749', priceEach=136.00, "
        f"orderLineNumber=9; raw text '{line}'"
    ) in str(error.value)
    # Set aside to look at, though the policy stops the run; nothing else was written anywhere.
    (row,) = read_quarantine(tmp_path / "quarantine", "orderdetails", RUN_ID)
    assert (row["orderNumber"], row["_quarantine_reason"], row["_raw_record"]) == (10100, reason, line)
    assert sorted(path.name for path in (tmp_path / "quarantine").iterdir()) == ["orderdetails"]
    assert not (tmp_path / "output").exists()
    assert not runtime.committed


def test_a_negative_quantity_fails_the_run_naming_the_rule(spark: SparkSession, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    append_line(raw / "orderdetails" / "orderdetails.csv", "10100,S24_4300,-1,49.74,9")
    runtime = SparkRuntime(spark)

    with pytest.raises(ContractViolationError) as error:
        run(runtime, raw, tmp_path / "output", tmp_path / "quarantine")

    assert [(violation.kind, violation.column, violation.rows) for violation in error.value.violations] == [
        ("rule_violation", "quantityOrdered", 1)
    ]
    assert "  - rule_violation quantityOrdered: quantityOrdered below min 0 (1 row)" in str(error.value).splitlines()
    assert not (tmp_path / "output").exists()
    assert not runtime.committed


def test_a_product_code_of_spaces_is_quarantined_under_its_rules_and_its_lines_stop_the_run(
    spark: SparkSession, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    products = sample_rows("products")
    write_rows(raw / "products" / "products.csv", [{**products[0], "productCode": "   "}, *products[1:]])
    runtime = SparkRuntime(spark)

    # Its order lines now refer to a product that is not there: the integrity check stops the run.
    with pytest.raises(SourceIntegrityError) as error:
        run(runtime, raw, tmp_path / "output", tmp_path / "quarantine")

    (row,) = read_quarantine(tmp_path / "quarantine", "products", RUN_ID)
    assert (row["productCode"], row["productName"], row["_quarantine_reason"]) == (
        "   ",
        products[0]["productName"],
        "productCode breaks not_blank: empty or only whitespace; productCode does not match pattern S[0-9]+_[0-9]+",
    )
    assert products[0]["productCode"] in str(error.value)
    assert not (tmp_path / "output").exists()
    assert not runtime.committed


def test_missing_argument_is_reported_before_spark_starts() -> None:
    def no_runtime() -> SparkRuntime:
        raise AssertionError("the runtime must not be built when arguments are bad")

    argv = ["script", "--JOB_NAME", "j", "--output_path", "x"]
    with pytest.raises(JobArgumentError, match=r"--quarantine_path: missing(.|\n)*--raw_path: missing"):
        run_job(argv, StarSchemaJobConfig, run_pipeline, no_runtime)


def test_a_quarantine_inside_an_output_table_folder_stops_the_job_before_spark_starts(tmp_path: Path) -> None:
    # The overwrite of fact_orders would delete the rows the run had just quarantined.
    def no_runtime() -> SparkRuntime:
        raise AssertionError("the runtime must not be built when the locations overlap")

    output, quarantine = tmp_path / "output", tmp_path / "output" / "fact_orders" / "quarantine"
    argv = ["script", "--JOB_NAME", "j", "--raw_path", str(SAMPLE), "--output_path", str(output)]
    argv += ["--quarantine_path", str(quarantine)]
    with pytest.raises(JobArgumentError) as error:
        run_job(argv, StarSchemaJobConfig, run_pipeline, no_runtime)

    assert str(error.value) == (
        f"Bad job arguments:\n  --quarantine_path ({quarantine}) is inside --output_path ({output}): quarantined rows "
        "would mix into the output tables, or be deleted when a table is overwritten, and the run would lose the "
        "rows it set aside. Give --quarantine_path and --output_path folders side by side, neither inside the other."
    )
    assert not output.exists()


def test_sample_data_is_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate_sample_data", REPO / "scripts" / "generate_sample_data.py")
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)

    generated = generator.write_sample_data(tmp_path)

    # A change feed's sample files are written by hand, not generated: each is a case of the fold's rules.
    changes = [SAMPLE / feed["changes"] for feed in CDC_FEEDS.values()]
    bundled = sorted(
        path.relative_to(SAMPLE) for path in SAMPLE.rglob("*.csv") if not any(path.is_relative_to(c) for c in changes)
    )
    assert sorted(path.relative_to(tmp_path) for path in generated) == bundled
    mismatched = [str(name) for name in bundled if not filecmp.cmp(SAMPLE / name, tmp_path / name, shallow=False)]
    assert not mismatched, f"{mismatched} differ from the generator's output; run 'make sample-data'"
