"""The quarantine: where rows that break their contract are set aside, with why, and counted back.

Layout: ``<quarantine_path>/<dataset>/run_id=<run id>/``, JSON lines (see ``enforce``).
"""

from __future__ import annotations

import logging

from pyspark.sql import DataFrame

from ..contracts import Contract
from ..contracts.compliance import (
    NO_ROW_TO_QUARANTINE,
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


def quarantine_location(quarantine_path: str, dataset: str, run_id: str) -> str:
    """``<quarantine_path>/<dataset>/run_id=<run_id>``: one folder per dataset and run, so reruns never mix."""
    return f"{quarantine_path.rstrip('/')}/{dataset}/run_id={run_id}"


def enforce(
    df: DataFrame, contract: Contract, *, policy: Policy, quarantine_path: str, run_id: str
) -> tuple[DataFrame, IntakeReport]:
    """Apply ``policy`` to ``df``; return its good rows (contract columns only) and what happened.

    - ``fail``: any violation raises one ContractViolationError listing them all.
    - ``quarantine``: structural violations still raise (no row to set aside); rows that are malformed
      or have a null in a required column go to ``<quarantine_path>/<dataset>/run_id=<run_id>/`` with
      ``_quarantine_reason`` (every reason of the row), ``_run_id`` and ``_raw_record`` (the text the
      reader could not parse; null for rows that parsed but miss a required value). A rerun with the
      same run id replaces that folder, and removes it when it rejects nothing: it holds this run's rows only.

    The quarantine is written as JSON lines: the raw text of a broken record, and values that fit no
    contract type, stay readable and verbatim there (CSV would need the bad text quoted back into the
    format that broke, Parquet needs a tool to look at and a schema the bad row may not fit). Any
    engine reads JSON lines, and ``head`` is enough to triage. Null fields are written, not left out,
    so every line shows every column. The quarantined rows are counted by reading back what landed,
    and rows in must equal rows out plus rows quarantined, or the run stops.
    """
    check = check_compliance(df, contract)
    structural = [violation for violation in check.violations if violation.structural]
    if structural or (check.violations and policy is Policy.FAIL):
        note = NO_ROW_TO_QUARANTINE if structural and policy is Policy.QUARANTINE else ""
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
    return passing_rows(df, contract), report
