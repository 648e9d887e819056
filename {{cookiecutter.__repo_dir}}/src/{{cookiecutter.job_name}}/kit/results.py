"""What a run did, for its summary and its logs: each input's intake, each output's write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .contracts.compliance import Violation


@dataclass(frozen=True)
class IntakeReport:
    """What ``enforce`` did with one input. ``quarantine_path`` is None when no row was set aside."""

    dataset: str
    rows_in: int
    rows_out: int
    rows_quarantined: int
    quarantine_path: str | None
    violations: tuple[Violation, ...]
    # What a cookbook pattern made of the input after intake (the change-records pattern's fold), if anything.
    note: str | None = None
    # An input declared optional: a run may find it empty (a change feed with no changes yet).
    may_be_empty: bool = False


@dataclass(frozen=True)
class WrittenTable:
    """What a write produced, for logs and for the run summary."""

    name: str
    path: str
    rows: int
    files: int


def describe_intake(reports: Sequence[IntakeReport]) -> str:
    """A table of what each input brought, one line per dataset, for ``make run-local`` and the logs."""
    width = max((len(report.dataset) for report in reports), default=5)
    lines = [f"{'input':<{width}}  {'rows in':>8}  {'passed':>8}  {'quarantined':>11}  quarantine"]
    lines += [
        f"{report.dataset:<{width}}  {report.rows_in:>8}  {report.rows_out:>8}  {report.rows_quarantined:>11}  "
        f"{report.quarantine_path or '-'}"
        for report in reports
    ]
    lines += [f"{report.dataset}: {report.note}" for report in reports if report.note]
    return "\n".join(lines)


def describe_written(tables: Sequence[WrittenTable]) -> str:
    """A table of what was written, one line per output, for ``make run-local`` and the logs."""
    width = max((len(table.name) for table in tables), default=5)
    lines = [f"{'table':<{width}}  {'rows':>8}  {'files':>5}  path"]
    lines += [f"{table.name:<{width}}  {table.rows:>8}  {table.files:>5}  {table.path}" for table in tables]
    return "\n".join(lines)


@dataclass(frozen=True)
class RunSummary:
    """What a run read (and set aside) and what it wrote."""

    inputs: list[IntakeReport]
    written: list[WrittenTable]
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        outputs = describe_written(self.written) if self.written else "nothing written; existing output untouched"
        notes = "".join(f"\n{note}" for note in self.notes)
        return f"{describe_intake(self.inputs)}\n\n{outputs}{notes}"
