"""Bad input, one case per test: what is reported, and where every row ends up.

The contract is the test's own (every render has it); the files come from ``contract_data``.
Each input file holds one row per case and is read and enforced once per module, so Spark runs
a handful of jobs, not one per assertion. Expected rows and counts are written out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, DataFrameWriter, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, DecimalType, IntegerType, StringType, StructField, StructType

from {{ cookiecutter.job_name }}.kit.contracts import Contract
from {{ cookiecutter.job_name }}.kit.contracts.compliance import (
    CORRUPT_RECORD_COLUMN,
    NO_ROW_TO_QUARANTINE,
    ContractViolationError,
    EmptyInputError,
    Policy,
    QuarantineMismatchError,
    Violation,
    check_output,
    require_rows,
)
from {{ cookiecutter.job_name }}.kit.io.quarantine import enforce
from {{ cookiecutter.job_name }}.kit.io.readers import InputNotFoundError, read_csv, read_json
from {{ cookiecutter.job_name }}.kit.results import IntakeReport
from {{ cookiecutter.job_name }}.kit.testing import data as contract_data
from {{ cookiecutter.job_name }}.kit.testing.frames import frame
from {{ cookiecutter.job_name }}.kit.testing.quarantine import read_quarantine

WIDGETS = Contract(
    "widgets",
    StructType(
        [
            StructField("widget_id", IntegerType(), False),
            StructField("name", StringType(), True),
            StructField("made_on", DateType(), False),
            StructField("price", DecimalType(10, 2), True),
        ]
    ),
)
RUN_ID = "run-7"
MALFORMED = "the reader could not parse it against the contract (field count, value type or syntax)"


def malformed(rows: int) -> Violation:
    return Violation("malformed_record", None, MALFORMED, rows)


def null_in(column: str, rows: int) -> Violation:
    return Violation("null_in_required", column, f"null in required column {column}", rows)


@dataclass(frozen=True)
class Intake:
    """One enforce run: the good rows collected, the report, and the quarantine files parsed by hand."""

    frame: DataFrame
    good: DataFrame
    report: IntakeReport
    quarantined: list[tuple[object, ...]]
    quarantine: Path


def quarantined_rows(quarantine: Path) -> list[tuple[object, ...]]:
    """Each quarantined widget as (widget_id, name, made_on, price, reason, run id, raw text), parsed without Spark."""
    rows = read_quarantine(quarantine, WIDGETS.name, RUN_ID)
    keys = ["widget_id", "name", "made_on", "price", "_quarantine_reason", "_run_id", "_raw_record"]
    reader_keys = ["_source_file", "_invalid_bytes"]
    assert all(list(row) == keys + reader_keys for row in rows), rows
    return sorted((tuple(row[key] for key in keys) for row in rows), key=repr)


def run_intake(frame: DataFrame, quarantine: Path) -> Intake:
    good, report = enforce(frame, WIDGETS, policy=Policy.QUARANTINE, quarantine_path=str(quarantine), run_id=RUN_ID)
    landed = quarantine / "widgets" / f"run_id={RUN_ID}"
    return Intake(frame, good, report, quarantined_rows(quarantine), landed)


def good_rows(intake: Intake) -> list[tuple[object, ...]]:
    return sorted((tuple(row) for row in intake.good.collect()), key=repr)


# CSV: line 1 and 2 are sound; each later line breaks the contract one way (line 7 two ways).
CSV_ROWS = contract_data.valid_rows(WIDGETS, 8)
CSV_TEXT = contract_data.csv_text(
    [
        *CSV_ROWS[:2],
        contract_data.null_value(CSV_ROWS[2], "made_on"),
        CSV_ROWS[3],  # its line gets an extra field below
        CSV_ROWS[4],  # its line loses its last field below
        contract_data.retype_value(CSV_ROWS[5], "price"),
        contract_data.retype_value(contract_data.null_value(CSV_ROWS[6], "widget_id"), "price"),
        # A date that does not exist: Spark 3's default time parser would abort the whole read.
        contract_data.retype_value(CSV_ROWS[7], "made_on", "2024-13-45"),
    ]
)
CSV_TEXT = contract_data.mutate_line(CSV_TEXT, 4, contract_data.csv_extra_token)
CSV_TEXT = contract_data.mutate_line(CSV_TEXT, 5, contract_data.csv_missing_token)


@pytest.fixture(scope="module")
def csv_intake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Intake:
    folder = contract_data.write_file(tmp_path_factory.mktemp("csv") / "widgets", "widgets.csv", CSV_TEXT)
    return run_intake(read_csv(spark, str(folder), WIDGETS), tmp_path_factory.mktemp("quarantine"))


def test_csv_intake_passes_the_sound_rows_and_quarantines_the_rest(csv_intake: Intake) -> None:
    assert csv_intake.report == IntakeReport(
        dataset="widgets",
        rows_in=8,
        rows_out=2,
        rows_quarantined=6,
        quarantine_path=str(csv_intake.quarantine),
        violations=(malformed(5), null_in("widget_id", 1), null_in("made_on", 2)),
    )
    assert good_rows(csv_intake) == [
        (1, "name-1", date(2024, 1, 1), Decimal("1.25")),
        (2, "name-2", date(2024, 1, 2), Decimal("2.25")),
    ]
    assert csv_intake.good.columns == ["widget_id", "name", "made_on", "price"]
    assert len(csv_intake.quarantined) == 6


def test_null_in_a_required_column_is_quarantined_with_its_reason(csv_intake: Intake) -> None:
    assert (3, "name-3", None, Decimal("3.25"), "null in required column made_on", RUN_ID, None) in (
        csv_intake.quarantined
    )


def test_csv_row_with_an_extra_field_is_quarantined_with_its_raw_text(csv_intake: Intake) -> None:
    raw = "4,name-4,2024-01-04,4.25,EXTRA"
    reason = "malformed record: more fields than the header's 4"
    assert (4, "name-4", "2024-01-04", Decimal("4.25"), reason, RUN_ID, raw) in csv_intake.quarantined


def test_csv_row_with_a_missing_field_is_quarantined_with_its_raw_text(csv_intake: Intake) -> None:
    raw = "5,name-5,2024-01-05"
    reason = (
        "malformed record: the fields do not line up with the header's 4 columns: look for a missing or extra "
        "delimiter, or an unclosed quote"
    )
    assert (5, "name-5", "2024-01-05", None, reason, RUN_ID, raw) in csv_intake.quarantined


def test_value_of_the_wrong_type_is_quarantined_not_nulled(csv_intake: Intake) -> None:
    raw = "6,name-6,2024-01-06,not-a-value"
    reason = "malformed record: price 'not-a-value' is not a valid decimal(10,2)"
    assert (6, "name-6", "2024-01-06", None, reason, RUN_ID, raw) in csv_intake.quarantined


def test_a_date_that_does_not_exist_is_quarantined_not_a_failed_read(csv_intake: Intake) -> None:
    reason = "malformed record: made_on '2024-13-45' is not a valid date; null in required column made_on"
    raw = "8,name-8,2024-13-45,8.25"
    assert (8, "name-8", None, Decimal("8.25"), reason, RUN_ID, raw) in csv_intake.quarantined


def test_a_row_with_several_problems_carries_every_reason(csv_intake: Intake) -> None:
    reason = "malformed record: price 'not-a-value' is not a valid decimal(10,2); null in required column widget_id"
    raw = ",name-7,2024-01-07,not-a-value"
    assert (None, "name-7", "2024-01-07", None, reason, RUN_ID, raw) in csv_intake.quarantined


def test_malformed_rows_are_flagged_whichever_columns_a_query_uses(csv_intake: Intake) -> None:
    # Spark parses only the columns a query needs; the reader's cached full parse makes this hold anyway.
    flagged = csv_intake.frame.where(F.col(CORRUPT_RECORD_COLUMN).isNotNull())
    names = ["name-4", "name-5", "name-6", "name-7", "name-8"]
    assert sorted(row["name"] for row in flagged.select("name").collect()) == names
    assert flagged.count() == 5


def test_fail_policy_reports_every_row_problem_and_sets_the_rows_aside_to_look_at(
    csv_intake: Intake, tmp_path: Path
) -> None:
    with pytest.raises(ContractViolationError) as error:
        enforce(csv_intake.frame, WIDGETS, policy=Policy.FAIL, quarantine_path=str(tmp_path), run_id=RUN_ID)

    assert error.value.violations == (malformed(5), null_in("widget_id", 1), null_in("made_on", 2))
    # The same six rows the quarantine policy sets aside, written for inspection only.
    assert quarantined_rows(tmp_path) == csv_intake.quarantined
    location = tmp_path / "widgets" / f"run_id={RUN_ID}"
    message = str(error.value)
    assert f"The 6 offending rows are in {location} to look at:" in message
    # A few of them, sorted by their text: the file, why, the values that parsed, the raw text.
    assert (
        "widgets.csv: malformed record: more fields than the header's 4; parsed widget_id=4, name='name-4', "
        "made_on='2024-01-04', price=4.25; raw text '4,name-4,2024-01-04,4.25,EXTRA'"
    ) in message
    assert message.count("\n  - file:") == 5


# JSON lines: a sound row, a broken line, a missing required key, an unknown key, a string for an int.
JSON_ROWS = contract_data.valid_rows(WIDGETS, 5)
JSON_TEXT = contract_data.json_lines(
    [
        JSON_ROWS[0],
        JSON_ROWS[1],  # its line is cut short below
        contract_data.drop_column(JSON_ROWS[2], "made_on"),
        contract_data.add_column(JSON_ROWS[3], "colour", "red"),
        contract_data.retype_value(JSON_ROWS[4], "widget_id", "five"),
    ]
)
JSON_TEXT = contract_data.mutate_line(JSON_TEXT, 1, contract_data.corrupt_json_line)


@pytest.fixture(scope="module")
def json_intake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Intake:
    folder = contract_data.write_file(tmp_path_factory.mktemp("json") / "widgets", "widgets.json", JSON_TEXT)
    return run_intake(read_json(spark, str(folder), WIDGETS), tmp_path_factory.mktemp("quarantine"))


def test_json_intake_passes_sound_rows_and_ignores_unknown_keys(json_intake: Intake) -> None:
    assert json_intake.report == IntakeReport(
        dataset="widgets",
        rows_in=5,
        rows_out=2,
        rows_quarantined=3,
        quarantine_path=str(json_intake.quarantine),
        violations=(malformed(2), null_in("widget_id", 2), null_in("made_on", 2)),
    )
    assert good_rows(json_intake) == [
        (1, "name-1", date(2024, 1, 1), Decimal("1.25")),
        (4, "name-4", date(2024, 1, 4), Decimal("4.25")),
    ]


def test_corrupt_json_line_is_quarantined_with_its_raw_text(json_intake: Intake) -> None:
    raw = '{"widget_id": 2, "name": "name-2", "made_on": "2024-01-02", "price": 2.25'
    reason = "malformed record; null in required column widget_id; null in required column made_on"
    assert (None, None, None, None, reason, RUN_ID, raw) in json_intake.quarantined


def test_missing_required_json_key_is_a_null_in_a_required_column(json_intake: Intake) -> None:
    assert (3, "name-3", None, Decimal("3.25"), "null in required column made_on", RUN_ID, None) in (
        json_intake.quarantined
    )


def test_json_value_of_the_wrong_type_is_quarantined(json_intake: Intake) -> None:
    raw = '{"widget_id": "five", "name": "name-5", "made_on": "2024-01-05", "price": 5.25}'
    reason = "malformed record; null in required column widget_id"
    assert (None, "name-5", "2024-01-05", Decimal("5.25"), reason, RUN_ID, raw) in json_intake.quarantined


# Structural problems: in a CSV header, or in a DataFrame a transform built.


def header_file(tmp_path: Path, rows: list[dict[str, object]]) -> str:
    return str(contract_data.write_file(tmp_path / "widgets", "widgets.csv", contract_data.csv_text(rows)))


def test_csv_missing_column_is_reported_from_the_header(spark: SparkSession, tmp_path: Path) -> None:
    path = header_file(tmp_path, [contract_data.drop_column(row, "name") for row in CSV_ROWS[:2]])

    with pytest.raises(ContractViolationError) as error:
        read_csv(spark, path, WIDGETS)

    assert error.value.violations == (
        Violation("missing_column", "name", "the contract's string column is not in the CSV header"),
    )
    assert f"CSV header of file://{path}/widgets.csv: widget_id,made_on,price" in str(error.value)


def test_csv_extra_column_is_reported_from_the_header(spark: SparkSession, tmp_path: Path) -> None:
    path = header_file(tmp_path, [contract_data.add_column(row, "colour") for row in CSV_ROWS[:2]])

    with pytest.raises(ContractViolationError) as error:
        read_csv(spark, path, WIDGETS)

    assert error.value.violations == (
        Violation("unexpected_column", "colour", "column in the CSV header is not in the contract"),
    )


def test_csv_missing_and_extra_columns_are_reported_together(spark: SparkSession, tmp_path: Path) -> None:
    rows = [contract_data.add_column(contract_data.drop_column(row, "price"), "cost") for row in CSV_ROWS[:1]]

    with pytest.raises(ContractViolationError) as error:
        read_csv(spark, header_file(tmp_path, rows), WIDGETS)

    assert [(violation.kind, violation.column) for violation in error.value.violations] == [
        ("missing_column", "price"),
        ("unexpected_column", "cost"),
    ]


def test_a_later_file_with_another_header_is_named_in_the_error(spark: SparkSession, tmp_path: Path) -> None:
    # The larger file is the one whose header is checked first (Spark reads files largest first).
    folder = Path(header_file(tmp_path, CSV_ROWS[:2]))
    renamed = [{("cost" if name == "price" else name): value for name, value in CSV_ROWS[2].items()}]
    contract_data.write_file(folder, "widgets-2.csv", contract_data.csv_text(renamed))

    with pytest.raises(ContractViolationError) as error:
        read_csv(spark, str(folder), WIDGETS)

    assert error.value.violations == (
        Violation("missing_column", "price", "the contract's decimal(10,2) column is not in the CSV header"),
        Violation("unexpected_column", "cost", "column in the CSV header is not in the contract"),
    )
    assert "widgets-2.csv: widget_id,name,made_on,cost" in str(error.value)


def test_csv_columns_in_another_order_are_read_by_name(spark: SparkSession, tmp_path: Path) -> None:
    row = CSV_ROWS[0]
    reordered = {name: row[name] for name in ["price", "made_on", "widget_id", "name"]}

    frame = read_csv(spark, header_file(tmp_path, [reordered]), WIDGETS)

    assert [tuple(found) for found in frame.select(*WIDGETS.columns, CORRUPT_RECORD_COLUMN).collect()] == [
        (1, "name-1", date(2024, 1, 1), Decimal("1.25"), None)
    ]


STRUCTURAL_CASES: dict[str, tuple[Callable[[DataFrame], DataFrame], Violation]] = {
    "missing column": (
        lambda good: good.drop("name"),
        Violation("missing_column", "name", "the contract's string column is absent"),
    ),
    "extra column": (
        lambda good: good.withColumn("colour", F.lit("red")),
        Violation("unexpected_column", "colour", "string column is not in the contract"),
    ),
    "wrong type": (
        lambda good: good.withColumn("price", F.col("price").cast("string")),
        Violation("type_mismatch", "price", "the contract says decimal(10,2), the data has string"),
    ),
}


@pytest.mark.parametrize("policy", list(Policy))
@pytest.mark.parametrize("case", list(STRUCTURAL_CASES))
def test_structural_violations_stop_the_run_under_every_policy(
    csv_intake: Intake, tmp_path: Path, case: str, policy: Policy
) -> None:
    change, expected = STRUCTURAL_CASES[case]

    with pytest.raises(ContractViolationError) as error:
        enforce(change(csv_intake.good), WIDGETS, policy=policy, quarantine_path=str(tmp_path), run_id=RUN_ID)

    assert error.value.violations == (expected,)
    assert (NO_ROW_TO_QUARANTINE in str(error.value)) == (policy is Policy.QUARANTINE)
    assert not list(tmp_path.iterdir())


def test_output_check_rejects_nulls_in_required_columns_and_orders_columns(csv_intake: Intake) -> None:
    shuffled = csv_intake.good.select("price", "made_on", "name", "widget_id")
    assert check_output(shuffled, WIDGETS).columns == ["widget_id", "name", "made_on", "price"]

    with pytest.raises(ContractViolationError) as error:
        check_output(shuffled.withColumn("made_on", F.lit(None).cast("date")), WIDGETS)

    assert error.value.violations == (null_in("made_on", 2),)


# Empty and absent input.


@pytest.mark.parametrize("policy", list(Policy))
def test_empty_input_passes_intake_and_is_then_refused_where_rows_are_needed(
    spark: SparkSession, tmp_path: Path, policy: Policy
) -> None:
    header_only = contract_data.csv_text([], columns=WIDGETS.columns)
    folder = contract_data.write_file(tmp_path / "in", "widgets.csv", header_only)

    good, report = enforce(
        read_csv(spark, str(folder), WIDGETS),
        WIDGETS,
        policy=policy,
        quarantine_path=str(tmp_path / "q"),
        run_id=RUN_ID,
    )

    assert report == IntakeReport("widgets", 0, 0, 0, None, ())
    assert good.columns == WIDGETS.columns
    assert not (tmp_path / "q").exists()
    with pytest.raises(EmptyInputError, match="widgets: no rows"):
        require_rows([report])


def test_an_empty_folder_and_an_empty_json_file_read_as_no_rows(spark: SparkSession, tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    empty_json = contract_data.write_file(tmp_path / "json", "widgets.json", "")

    assert read_csv(spark, str(tmp_path / "nothing"), WIDGETS).count() == 0
    assert read_json(spark, str(empty_json), WIDGETS).count() == 0


@pytest.mark.parametrize("reader", [read_csv, read_json])
def test_a_path_that_does_not_exist_is_named_in_the_error(
    spark: SparkSession, tmp_path: Path, reader: Callable[[SparkSession, str, Contract], DataFrame]
) -> None:
    missing = tmp_path / "no-such-folder"

    with pytest.raises(InputNotFoundError, match=f"Input path {missing} does not exist"):
        reader(spark, str(missing), WIDGETS)


# What lands in the quarantine folder of a run, and what is counted there.

SOUND = (1, "name-1", date(2024, 1, 1), Decimal("1.25"))


def without_id(number: int) -> tuple[object, ...]:
    """A row whose required widget_id is null, told apart by its name."""
    return (None, f"name-{number}", date(2024, 1, number), Decimal(f"{number}.25"))


def test_a_rerun_with_the_same_run_id_leaves_only_its_own_rejected_rows(spark: SparkSession, tmp_path: Path) -> None:
    # The first attempt set three rows aside; the rerun of that run id rejects one. Its folder must hold that one
    # only: the old file is replaced, neither kept beside the new one nor counted with it.
    run_intake(frame(spark, WIDGETS.schema, [SOUND, without_id(2), without_id(3), without_id(4)]), tmp_path)

    rerun = run_intake(frame(spark, WIDGETS.schema, [SOUND, without_id(5)]), tmp_path)

    assert rerun.report == IntakeReport("widgets", 2, 1, 1, str(rerun.quarantine), (null_in("widget_id", 1),))
    assert rerun.quarantined == [
        (None, "name-5", "2024-01-05", Decimal("5.25"), "null in required column widget_id", RUN_ID, None)
    ]


def test_a_rerun_with_the_same_run_id_and_no_rejected_rows_leaves_no_old_ones(
    spark: SparkSession, tmp_path: Path
) -> None:
    run_intake(frame(spark, WIDGETS.schema, [SOUND, without_id(2)]), tmp_path)

    rerun = run_intake(frame(spark, WIDGETS.schema, [SOUND]), tmp_path)

    assert rerun.report == IntakeReport("widgets", 1, 1, 0, None, ())
    assert rerun.quarantined == []


def land_other_lines(monkeypatch: pytest.MonkeyPatch, edit: Callable[[list[str]], list[str]]) -> None:
    """Make the quarantine write land other lines than it was given, as a task output committed twice or lost."""
    write = DataFrameWriter.json

    def write_then_edit(self: DataFrameWriter, path: str, *args: Any, **kwargs: Any) -> None:
        write(self, path, *args, **kwargs)
        [part] = Path(path).glob("part-*")
        part.write_text("".join(f"{line}\n" for line in edit(part.read_text(encoding="utf-8").splitlines())))
        for checksum in Path(path).glob(".*.crc"):  # the local filesystem would refuse the edited file
            checksum.unlink()

    monkeypatch.setattr(DataFrameWriter, "json", write_then_edit)


@pytest.mark.parametrize(
    ("edit", "landed"),
    [
        (lambda lines: [*lines, lines[0]], "3 landed in {location} = 4"),
        (lambda lines: lines[:1], "1 landed in {location} = 2"),
    ],
    ids=["a line twice", "a line lost"],
)
def test_a_quarantine_that_landed_other_rows_than_were_rejected_stops_the_run(
    spark: SparkSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Callable[[list[str]], list[str]],
    landed: str,
) -> None:
    # What is counted is what landed, read back, not the number of rows the write was given.
    land_other_lines(monkeypatch, edit)
    location = f"{tmp_path}/widgets/run_id={RUN_ID}"

    with pytest.raises(QuarantineMismatchError) as error:
        run_intake(frame(spark, WIDGETS.schema, [SOUND, without_id(2), without_id(3)]), tmp_path)

    assert f"Dataset 'widgets': 3 rows read, but 1 passed + {landed.format(location=location)}." in str(error.value)
