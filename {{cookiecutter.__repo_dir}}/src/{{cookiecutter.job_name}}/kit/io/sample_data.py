"""The bundled sample data, checked the way the job reads it: the folders, each file's header, then the rows."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Collection
from pathlib import Path

from pyspark.sql import SparkSession

from ..contracts import Contract
from ..contracts.compliance import ContractViolationError, Violation, find_violations
from ..contracts.drift import DatasetReport, rejected
from . import readers


class SampleDataError(ValueError):
    """The sample-data folder is laid out in a way the check cannot follow."""


@dataclasses.dataclass(frozen=True)
class SampleFolders:
    """The dataset folders found under the sample-data root, and the folders of files no contract covers."""

    datasets: dict[str, Path]
    without_contract: list[Path]


def find_sample_folders(root: Path, datasets: Collection[str]) -> SampleFolders:
    """Folders under ``root`` named after a dataset with a contract (``classicmodels/customers``, ``records``).

    The search stops at a dataset's folder, so its contents are that dataset's files. Other folders that
    hold files are listed apart, so data that is not checked is never passed over in silence.
    """
    if not root.is_dir():
        raise SampleDataError(f"Sample-data folder '{root}' does not exist. Pass the right one with --sample-data.")
    found: dict[str, Path] = {}
    without_contract: list[Path] = []
    pending = [root]
    while pending:
        folder = pending.pop(0)
        children = [child for child in sorted(folder.iterdir()) if not child.name.startswith((".", "_"))]
        if folder != root and any(child.is_file() for child in children):
            without_contract.append(folder)
        for child in children:
            if not child.is_dir():
                continue
            if child.name not in datasets:
                pending.append(child)
            elif child.name in found:
                raise SampleDataError(
                    f"Dataset '{child.name}' has two sample-data folders ({found[child.name]} and {child}); "
                    "keep one, so it is clear which the contract is checked against."
                )
            else:
                found[child.name] = child
    return SampleFolders(dict(sorted(found.items())), without_contract)


def check_sample_data(spark: SparkSession, contract: Contract, folder: Path) -> DatasetReport:
    """Read ``folder`` as the job reads the dataset (CSV with a header); every contract violation is breaking.

    Each file's header is checked first, file by file: the reader stops at the first file whose header
    is wrong, and a pre-deploy check should list every such file at once.
    """
    violations = header_violations(folder, contract)
    if not violations:
        try:
            violations = find_violations(readers.read_csv(spark, str(folder), contract), contract)
        except ContractViolationError as exc:
            violations = list(exc.violations) or [Violation("rejected", None, str(exc))]
    changes = tuple(rejected(contract.name, violation) for violation in violations)
    return DatasetReport(contract.name, changes, note=str(folder))


def header_violations(folder: Path, contract: Contract) -> list[Violation]:
    """Missing and unexpected columns in the header of each file Spark would read from ``folder``."""
    violations = []
    # Spark skips files whose names start with '.' or '_' (_SUCCESS, .crc); so does this check.
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_"))):
        with path.open(encoding="utf-8", newline="") as handle:
            header = next((row for row in csv.reader(handle) if any(cell.strip() for cell in row)), None)
        if header is None:
            continue
        violations += [
            dataclasses.replace(violation, detail=f"{violation.detail} ({path.name})")
            for violation in readers.header_violations(header, contract)
        ]
    return violations
