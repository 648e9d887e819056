"""The quarantine: where rows that break their contract are set aside, with why, and counted back.

Layout: ``<quarantine_path>/<dataset>/run_id=<run id>/``, JSON lines (see ``enforce``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal

from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F

from ..contracts import Contract
from ..contracts.compliance import (
    INVALID_BYTES_COLUMN,
    NO_ROW_TO_QUARANTINE,
    RAW_RECORD_COLUMN,
    REASON_COLUMN,
    SOURCE_FILE_COLUMN,
    ComplianceCheck,
    ContractViolationError,
    Policy,
    check_compliance,
    passing_rows,
    reconcile,
    rejected_rows,
)
from ..results import IntakeReport
from .hadoop_fs import delete_path

LOG = logging.getLogger(__name__)


MAX_SAMPLES = 5
RAW_TEXT_SHOWN = 200


def describe_rejected(lines: list[Row]) -> str:
    """A few quarantined rows (JSON lines, as ``enforce`` writes them) as readable lines for an error message:
    the file, why, the values that parsed and the raw text."""
    described = []
    for line in lines:
        row = json.loads(line["value"], parse_float=Decimal)
        parsed = ", ".join(
            f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}"
            for name, value in row.items()
            if not name.startswith("_") and value is not None
        )
        raw = row.get(RAW_RECORD_COLUMN)
        text = "" if raw is None else f"; raw text {raw[:RAW_TEXT_SHOWN]!r}"
        invalid = row.get(INVALID_BYTES_COLUMN)
        exact = "" if not invalid else f"; exact bytes (base64) {invalid}"
        where = row.get(SOURCE_FILE_COLUMN) or "unknown file"
        described.append(f"\n  - {where}: {row.get(REASON_COLUMN)}; parsed {parsed or 'nothing'}{text}{exact}")
    return "".join(described)


def quarantine_location(quarantine_path: str, dataset: str, run_id: str) -> str:
    """``<quarantine_path>/<dataset>/run_id=<run_id>``: one folder per dataset and run, so reruns never mix."""
    return f"{quarantine_path.rstrip('/')}/{dataset}/run_id={run_id}"


def enforce(
    df: DataFrame,
    contract: Contract,
    *,
    policy: Policy,
    quarantine_path: str,
    run_id: str,
    check: ComplianceCheck | None = None,
    keep: Sequence[str] = (),
) -> tuple[DataFrame, IntakeReport]:
    """Apply ``policy`` to ``df``; return its good rows (contract columns, and the reader's columns in ``keep``)
    and what happened.

    - ``fail``: any violation raises one ContractViolationError listing them all; the offending rows are
      written to the quarantine all the same (to look at, not to pass on), and the error shows a few.
    - ``quarantine``: structural violations still raise (no row to set aside); rows that are malformed,
      have a null in a required column or break a value rule go to
      ``<quarantine_path>/<dataset>/run_id=<run_id>/`` with ``_quarantine_reason`` (every reason of the
      row), ``_run_id`` and ``_raw_record`` (the text the reader could not parse; null for rows that
      parsed but miss a required value or break a rule). A rerun with the same run id replaces that folder,
      and removes it when it rejects nothing: it holds this run's rows only.

    The quarantine is written as JSON lines: the raw text of a broken record, and values that fit no
    contract type, stay readable and verbatim there (CSV would need the bad text quoted back into the
    format that broke, Parquet needs a tool to look at and a schema the bad row may not fit). Any
    engine reads JSON lines, and ``head`` is enough to triage. Null fields are written, not left out,
    so every line shows every column. The quarantined rows are counted by reading back what landed,
    and rows in must equal rows out plus rows quarantined, or the run stops. ``check`` is ``df``'s
    compliance if it was already counted (``kit/steps.read_inputs`` counts every input in one job).
    """
    check = check_compliance(df, contract) if check is None else check
    structural = [violation for violation in check.violations if violation.structural]
    if structural:
        note = NO_ROW_TO_QUARANTINE if policy is Policy.QUARANTINE else ""
        raise ContractViolationError(contract.name, check.violations, note)

    location = quarantine_location(quarantine_path, contract.name, run_id)
    rows_quarantined = 0
    if check.rows_failing:
        rejected = rejected_rows(df, contract, run_id)
        # Rejected rows are few: one file per dataset and run is easiest to look at.
        rejected.coalesce(1).write.mode("overwrite").option("ignoreNullFields", False).json(location)
        # One JSON object per line (the writer escapes newlines inside values), so lines are rows.
        rows_quarantined = df.sparkSession.read.text(location).count()
    else:
        # An earlier attempt with this run id may have set rows aside that this attempt no longer rejects.
        delete_path(df.sparkSession, location)
    if check.violations and policy is Policy.FAIL:
        # The rows that stop the run are set aside all the same, so there is something to look at.
        samples = describe_rejected(df.sparkSession.read.text(location).orderBy("value").limit(MAX_SAMPLES).collect())
        note = (
            f"The policy of '{contract.name}' is fail, so the run stops; nothing was written downstream. "
            f"{'The offending row is' if rows_quarantined == 1 else f'The {rows_quarantined} offending rows are'} "
            f"in {location} to look at{':' if samples else '.'}{samples}"
        )
        raise ContractViolationError(contract.name, check.violations, note)
    reconcile(contract.name, check.rows, check.rows_passing, rows_quarantined, location)

    report = IntakeReport(
        dataset=contract.name,
        rows_in=check.rows,
        rows_out=check.rows_passing,
        rows_quarantined=rows_quarantined,
        quarantine_path=location if rows_quarantined else None,
        violations=check.violations,
    )
    if rows_quarantined:
        reasons = "; ".join(str(violation) for violation in check.violations)
        LOG.warning("%s: %d rows quarantined in %s (%s)", contract.name, rows_quarantined, location, reasons)
    return passing_rows(df, contract, keep), report


def quarantined_reasons(spark: SparkSession, report: IntakeReport, column: str, keys: Iterable[str]) -> dict[str, str]:
    """Why the rows of ``report``'s dataset whose ``column`` is one of ``keys`` were quarantined this run.

    For messages that name a cause: a row missing downstream may have been set aside at intake.
    Keys compare as text; a key with several quarantined rows gets the first reason. Empty when
    nothing was quarantined.
    """
    wanted = sorted(set(keys))
    if report.quarantine_path is None or not wanted:
        return {}
    key = F.get_json_object("value", f"$.{column}")
    found = (
        spark.read.text(report.quarantine_path)
        .select(key.alias("key"), F.get_json_object("value", f"$.{REASON_COLUMN}").alias("reason"))
        .where(F.col("key").isin(wanted))
        .groupBy("key")
        .agg(F.min("reason").alias("reason"))
        .collect()
    )
    return {row["key"]: row["reason"] for row in found}
