"""Every check still runs where the kit fuses them into the passes the job makes anyway.

The inputs are counted in one Spark job for all of them (``read_inputs``), and the outputs are checked as
they are written (``write_outputs``). One input with one bad row of each kind, and one output with one bad
row of each kind that applies to outputs, must report every one of them in a single run: a check that is
dropped from the fused pass fails here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, IntegerType, StringType, StructField, StructType

from {{ cookiecutter.job_name }}.kit.args import IntakeJobConfig, parse_job_arguments
from {{ cookiecutter.job_name }}.kit.contracts.compliance import ContractViolationError, Violation
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.steps import read_inputs, write_outputs
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage

THINGS = StructType(
    [
        StructField("thing_id", IntegerType(), False),
        StructField("name", StringType(), True, {"rules": {"not_blank": True}}),
        StructField("qty", IntegerType(), True, {"rules": {"min": 0, "max": 10}}),
        StructField("code", StringType(), True, {"rules": {"pattern": "A[0-9]+"}}),
        StructField("status", StringType(), True, {"rules": {"allowed": ["new", "done"]}}),
        StructField("made_on", DateType(), False),
    ]
)
HEADER = b"thing_id,name,qty,code,status,made_on\n"
# thing_id -> (the CSV line, the reason its quarantined row must give); None for the two sound rows.
LINES: dict[int, tuple[bytes, str | None]] = {
    1: (b"1,ok,5,A1,new,2024-01-01", None),
    2: (b"2,ok,five,A2,new,2024-01-01", "malformed record: qty 'five' is not a valid int"),
    3: (b"3,ok,5,A3,new,2024-01-01,extra", "malformed record: more fields than the header's 6"),
    4: (b"4,ok,5,A4,new", "malformed record: the fields do not line up with the header's 6 columns"),
    5: (b"5,ok,5,A5,new,2024-13-45", "malformed record: made_on '2024-13-45' is not a valid date"),
    6: (b"6,ok,5,A6,new,", "null in required column made_on"),
    7: (b"7,caf\xe9,5,A7,new,2024-01-01", "bytes that are not valid in the declared encoding in name"),
    8: (b"8,   ,5,A8,new,2024-01-01", "name breaks not_blank"),
    9: (b"9,ok,-1,A9,new,2024-01-01", "qty below min 0"),
    10: (b"10,ok,11,A10,new,2024-01-01", "qty above max 10"),
    11: (b"11,ok,5,B11,new,2024-01-01", "code does not match pattern A[0-9]+"),
    12: (b"12,ok,5,A12,gone,2024-01-01", "status not one of allowed"),
    13: (b"13,ok2,0,A13,done,2024-01-02", None),
}


def rows_by_check(violations: Iterable[Violation]) -> dict[tuple[str, str | None], int]:
    """Rows per (kind, column), summed over the rules of one column."""
    counted: Counter[tuple[str, str | None]] = Counter()
    for violation in violations:
        counted[violation.kind, violation.column] += violation.rows or 0
    return dict(counted)


@pytest.fixture
def things(declared: DeclaredPackage, tmp_path: Path) -> tuple[Path, IntakeJobConfig]:
    declared.contract("things", THINGS)
    declared.contract("thing_report", THINGS)
    declared.job(
        "things_job",
        {
            "description": "things",
            "inputs": {"things": {"format": "csv", "policy": "quarantine", "why": "a bad thing is set aside"}},
            "outputs": {"thing_report": {"format": "parquet"}},
        },
    )
    source = tmp_path / "raw" / "things"
    source.mkdir(parents=True)
    (source / "things.csv").write_bytes(HEADER + b"\n".join(line for line, _ in LINES.values()) + b"\n")
    config = parse_job_arguments(
        ["script", "--JOB_NAME", "things", "--JOB_RUN_ID", "run-1", "--quarantine_path", str(tmp_path / "q")],
        IntakeJobConfig,
    )
    return source, config


def test_one_bad_row_of_each_kind_in_one_input_is_each_reported_in_one_run(
    spark: SparkSession, things: tuple[Path, IntakeJobConfig], tmp_path: Path
) -> None:
    source, config = things
    tables, [report] = read_inputs(spark, load_job("things_job"), {"things": str(source)}, config)

    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (13, 2, 11)
    assert sorted(row["thing_id"] for row in tables["things"].collect()) == [1, 13]
    counted = rows_by_check(report.violations)
    # Rows 4 and 5 leave made_on null as well as being malformed; every other check has exactly its row.
    assert counted == {
        ("malformed_record", None): 4,
        ("malformed_record", "name"): 1,
        ("null_in_required", "made_on"): 3,
        ("rule_violation", "name"): 1,
        ("rule_violation", "qty"): 2,
        ("rule_violation", "code"): 1,
        ("rule_violation", "status"): 1,
    }
    assert report.quarantine_path is not None
    quarantined = {}
    for path in Path(report.quarantine_path).glob("*.json"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            quarantined[row["thing_id"] if row["thing_id"] is not None else int(row["_raw_record"].split(",")[0])] = row
    assert sorted(quarantined) == [number for number, (_, reason) in LINES.items() if reason]
    for number, (_, reason) in LINES.items():
        if reason:
            assert reason in quarantined[number]["_quarantine_reason"], number


def test_one_bad_row_of_each_output_kind_is_each_reported_and_nothing_is_published(
    spark: SparkSession, things: tuple[Path, IntakeJobConfig], tmp_path: Path
) -> None:
    source, config = things
    tables, _ = read_inputs(spark, load_job("things_job"), {"things": str(source)}, config)
    good = tables["things"]
    broken = good.unionByName(
        good.where(F.col("thing_id") == 1).select(
            *[
                {
                    "made_on": F.lit(None).cast("date"),
                    "qty": F.lit(-3),
                    "name": F.lit(" "),
                    "code": F.lit("Z"),
                    "status": F.lit("lost"),
                }.get(name, F.col(name)).alias(name)
                for name in THINGS.fieldNames()
            ]
        )
    )
    output = tmp_path / "out" / "thing_report"

    with pytest.raises(ContractViolationError) as error:
        write_outputs(load_job("things_job"), {"thing_report": broken}, {"thing_report": str(output)}, config)

    counted = rows_by_check(error.value.violations)
    assert counted == {
        ("null_in_required", "made_on"): 1,
        ("rule_violation", "name"): 1,
        ("rule_violation", "qty"): 1,
        ("rule_violation", "code"): 1,
        ("rule_violation", "status"): 1,
    }
    assert "staged, not published" in str(error.value)
    assert not output.exists()
    # No file is left beside it either: the run's staged files were removed.
    assert [path for path in output.parent.rglob("*") if path.is_file()] == []
