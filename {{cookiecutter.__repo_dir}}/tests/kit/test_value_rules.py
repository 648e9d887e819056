"""Value rules on the data: each rule's boundary, nulls, both policies and the output check.

One frame holds a row per case and is enforced once per module; expected reasons and counts are written
out by hand. The rules' syntax in each contract format is tested in ``test_contract_formats.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DateType, DecimalType, IntegerType, StringType, StructField, StructType

from {{ cookiecutter.job_name }}.kit.contracts import Contract
from {{ cookiecutter.job_name }}.kit.contracts.compliance import (
    ContractViolationError,
    Policy,
    Violation,
    check_compliance,
    check_output,
)
from {{ cookiecutter.job_name }}.kit.contracts.rules import RuleError, check_rules, rule_problems
from {{ cookiecutter.job_name }}.kit.io.quarantine import enforce
from {{ cookiecutter.job_name }}.kit.results import IntakeReport
from {{ cookiecutter.job_name }}.kit.testing.frames import frame
from {{ cookiecutter.job_name }}.kit.testing.quarantine import read_quarantine

STATUSES = ["open", "On Hold"]
PARTS = Contract(
    "parts",
    StructType(
        [
            StructField("part_id", IntegerType(), False),
            StructField("qty", IntegerType(), True, {"rules": {"min": 0, "max": 10}}),
            StructField("price", DecimalType(10, 2), True, {"rules": {"min": 0}}),
            StructField("label", StringType(), True, {"rules": {"not_blank": True}}),
            StructField("status", StringType(), True, {"rules": {"allowed": STATUSES}}),
            StructField("sku", StringType(), True, {"rules": {"pattern": "S[0-9]+_[0-9]+"}}),
            StructField("made_on", DateType(), True, {"rules": {"min": "2024-01-01"}}),
        ]
    ),
)
RUN_ID = "run-9"
SOUND = {
    "qty": 5,
    "price": Decimal("1.00"),
    "label": "a",
    "status": "open",
    "sku": "S10_1678",
    "made_on": date(2024, 6, 1),
}
BLANK = "label breaks not_blank: empty or only whitespace"
NOT_ALLOWED = 'status not one of allowed ["open", "On Hold"]'
NO_MATCH = "sku does not match pattern S[0-9]+_[0-9]+"
# part_id -> (the values that differ from SOUND, the row's _quarantine_reason; None: the row passes).
CASES: dict[int, tuple[dict[str, Any], str | None]] = {
    1: ({"qty": 0, "price": Decimal("0.00"), "label": " a ", "made_on": date(2024, 1, 1)}, None),
    2: ({"qty": 10}, None),
    3: ({"qty": -1}, "qty below min 0"),
    4: ({"qty": 11}, "qty above max 10"),
    5: ({"price": Decimal("-0.01")}, "price below min 0"),
    6: ({"label": "   "}, BLANK),
    7: ({"label": ""}, BLANK),
    8: ({"label": "\t\n"}, BLANK),
    9: ({"label": "\u00a0"}, BLANK),  # a no-break space is whitespace too
    10: ({"status": "On Hold"}, None),
    11: ({"status": "Open"}, NOT_ALLOWED),  # compared exactly: case counts
    12: ({"status": "open "}, NOT_ALLOWED),  # and so do spaces
    13: ({"sku": "S10_1678x"}, NO_MATCH),  # the whole value must match, not a part of it
    14: ({"sku": "xS10_1678"}, NO_MATCH),
    15: ({"sku": "S10_1678\n"}, NO_MATCH),  # not even before a final line break
    16: ({"made_on": date(2023, 12, 31)}, "made_on below min 2024-01-01"),
    17: ({name: None for name in SOUND}, None),  # a null passes every rule
    18: ({"qty": -1, "label": ""}, f"qty below min 0; {BLANK}"),  # every reason, in contract order
}


def parts_frame(spark: SparkSession, cases: dict[int, tuple[dict[str, Any], str | None]]) -> DataFrame:
    rows = [(part_id, *{**SOUND, **changes}.values()) for part_id, (changes, _) in cases.items()]
    return frame(spark, PARTS.schema, rows)


@dataclass(frozen=True)
class Intake:
    report: IntakeReport
    reasons: dict[int, str]
    passed: list[int]


@pytest.fixture(scope="module")
def intake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Intake:
    quarantine = tmp_path_factory.mktemp("quarantine")
    good, report = enforce(
        parts_frame(spark, CASES), PARTS, policy=Policy.QUARANTINE, quarantine_path=str(quarantine), run_id=RUN_ID
    )
    rows = read_quarantine(quarantine, PARTS.name, RUN_ID)
    reasons = {row["part_id"]: row["_quarantine_reason"] for row in rows}
    assert len(reasons) == len(rows)
    return Intake(report, reasons, sorted(row["part_id"] for row in good.collect()))


def test_each_rule_passes_its_boundary_and_rejects_the_value_beyond(intake: Intake) -> None:
    assert intake.reasons == {part_id: reason for part_id, (_, reason) in CASES.items() if reason is not None}
    assert intake.passed == [1, 2, 10, 17]


def test_a_breach_is_a_rule_violation_named_with_its_rule_and_counted_in_one_pass(intake: Intake) -> None:
    assert (intake.report.rows_in, intake.report.rows_out, intake.report.rows_quarantined) == (18, 4, 14)
    assert intake.report.violations == (
        Violation("rule_violation", "qty", "qty below min 0", 2),
        Violation("rule_violation", "qty", "qty above max 10", 1),
        Violation("rule_violation", "price", "price below min 0", 1),
        Violation("rule_violation", "label", BLANK, 5),
        Violation("rule_violation", "status", NOT_ALLOWED, 2),
        Violation("rule_violation", "sku", NO_MATCH, 3),
        Violation("rule_violation", "made_on", "made_on below min 2024-01-01", 1),
    )


def test_fail_policy_stops_with_one_error_naming_the_rule_and_the_count(spark: SparkSession, tmp_path: Path) -> None:
    cases = {part_id: CASES[part_id] for part_id in (1, 3, 18)}

    with pytest.raises(ContractViolationError) as error:
        enforce(parts_frame(spark, cases), PARTS, policy=Policy.FAIL, quarantine_path=str(tmp_path), run_id=RUN_ID)

    assert error.value.violations == (
        Violation("rule_violation", "qty", "qty below min 0", 2),
        Violation("rule_violation", "label", BLANK, 1),
    )
    assert str(error.value).splitlines()[:3] == [
        "Dataset 'parts' breaks its contract (2 violations):",
        "  - rule_violation qty: qty below min 0 (2 rows)",
        f"  - rule_violation label: {BLANK} (1 row)",
    ]


def test_the_output_check_enforces_the_rules_too(spark: SparkSession) -> None:
    sound = check_output(parts_frame(spark, {part_id: CASES[part_id] for part_id in (1, 2, 17)}), PARTS)
    assert sorted(row["part_id"] for row in sound.collect()) == [1, 2, 17]
    sound.unpersist()

    with pytest.raises(ContractViolationError) as error:
        check_output(parts_frame(spark, {5: CASES[5]}), PARTS)
    assert error.value.violations == (Violation("rule_violation", "price", "price below min 0", 1),)


def test_a_check_without_rules_counts_no_rule_problem(spark: SparkSession) -> None:
    plain = Contract("parts", StructType([StructField(field.name, field.dataType) for field in PARTS.schema.fields]))
    assert rule_problems(plain.schema, plain.columns) == []
    check = check_compliance(parts_frame(spark, {3: CASES[3]}), plain)
    assert (check.rows, check.rows_passing, check.violations) == (1, 1, ())


# Patterns run in Java (Spark's rlike) but are checked with Python's re: within the accepted syntax, both
# must say the same of every value. Each pattern's matching values are written out by hand.
PATTERN_VALUES = [
    "S10_1678",
    "S10_1678\n",
    "s10_1678",
    "abc",
    "a\nc",
    "a\rc",
    "a\u2028c",
    "12",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: a digit to Unicode, not to \d
    "_x9",
    "\u00e9",
    " \t",
    "\u00a0",
    "ab",
    "ab\n",
    "abab",
    "]a",
    "a.b",
    "",
]
PATTERNS = {
    "S[0-9]+_[0-9]+": ["S10_1678"],
    "a.c": ["abc", "a\rc", "a\u2028c"],  # '.' stops at \n only, in both
    "\\d+": ["12"],
    "\\w+": ["S10_1678", "s10_1678", "abc", "12", "_x9", "ab", "abab"],
    "\\s*": [" \t", ""],
    "(ab)+|[]a]+": ["ab", "abab", "]a"],
    "[^a-z]+": ["S10_1678", "S10_1678\n", "12", "\u0663", "\u00e9", " \t", "\u00a0"],
    "a\\.b|a?": ["a.b", ""],
    "^ab$": ["ab"],
}


def test_patterns_mean_the_same_in_java_as_in_python(spark: SparkSession) -> None:
    matches = []
    for index, pattern in enumerate(PATTERNS):
        field = StructField("value", StringType(), True, {"rules": check_rules({"pattern": pattern}, StringType())})
        ((_, _, breach),) = rule_problems(StructType([field]), ["value"])
        matches.append((~breach).alias(f"p{index}"))
    rows = frame(spark, "value string", [(value,) for value in PATTERN_VALUES]).select("value", *matches).collect()

    in_java = {pattern: [row["value"] for row in rows if row[f"p{index}"]] for index, pattern in enumerate(PATTERNS)}
    in_python = {
        pattern: [value for value in PATTERN_VALUES if re.fullmatch(pattern, value, re.ASCII)] for pattern in PATTERNS
    }
    assert in_java == PATTERNS
    assert in_python == PATTERNS


@pytest.mark.parametrize(
    ("rules", "data_type"),
    [
        ({"min": 5, "max": 5}, IntegerType()),
        ({"min": -1.5, "max": 0.25}, DecimalType(10, 2)),
        ({"max": 99999999.99}, DecimalType(10, 2)),
        ({"allowed": [1, 2, 3]}, IntegerType()),
        ({"min": "2024-01-01", "max": "2024-01-01"}, DateType()),
        ({"not_blank": True, "allowed": ["a"], "pattern": "[a-z]{1,3}"}, StringType()),
    ],
)
def test_rules_that_fit_their_column_are_kept(rules: dict[str, Any], data_type: Any) -> None:
    assert check_rules(rules, data_type) == rules


def test_a_rule_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown rule 'minimum'"):
        check_rules({"minimum": 0}, IntegerType())
    assert issubclass(RuleError, ValueError)
