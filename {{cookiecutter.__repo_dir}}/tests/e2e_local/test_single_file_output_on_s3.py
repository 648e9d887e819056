"""The single_file_output pattern on the cluster over S3: --export_path gets one file with the declared name.

The move from Spark's part file to the exact name is a copy and a delete on S3, so what is checked here is
what a local disk cannot show: exactly one key at the destination, nothing left of the temporary prefix, and
the exported rows those of the table written in the same run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from e2e_local.conftest import PatternsRun
from {{ cookiecutter.job_name }}.kit.io.s3 import split_s3_uri
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import table_uri
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import LocalE2E
from {{ cookiecutter.job_name }}.kit.testing.s3_tables import read_rows, relative_keys

JOB = under_test.JOB
EXPORTED, FILE_NAME = JOB.export


def run_arguments(base: Mapping[str, str]) -> dict[str, str]:
    """For the shared pattern run: an --export_path beside its --output_path."""
    return {"--export_path": base["--output_path"] + "-exports"}


@pytest.fixture(scope="module")
def export(patterns_run: PatternsRun) -> tuple[str, str]:
    """The shared pattern run's --output_path and --export_path."""
    return patterns_run.output, patterns_run.arguments["--export_path"]


def exported_rows(e2e: LocalE2E, export_path: str) -> list[dict[str, str]]:
    bucket, prefix = split_s3_uri(f"{export_path}/{FILE_NAME}")
    text = e2e.s3.get_object(Bucket=bucket, Key=prefix)["Body"].read().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_is_one_key_with_the_declared_name_and_nothing_beside_it(
    e2e: LocalE2E, export: tuple[str, str]
) -> None:
    _, export_path = export
    assert relative_keys(e2e.s3, export_path) == [FILE_NAME]


def test_the_exported_file_holds_the_rows_and_columns_of_the_table(e2e: LocalE2E, export: tuple[str, str]) -> None:
    output, export_path = export
    table = read_rows(e2e.s3, table_uri(output, JOB.folders[EXPORTED]))
    rows = exported_rows(e2e, export_path)
    assert len(rows) == JOB.rows[EXPORTED] == len(table)
    assert set(rows[0]) == set(table[0])
    # Values as the CSV writer formats them: compare a text column without nulls, the same multiset in both.
    column = next(name for name in table[0] if all(isinstance(row[name], str) and row[name] for row in table))
    assert sorted(row[column] for row in rows) == sorted(str(row[column]) for row in table)
