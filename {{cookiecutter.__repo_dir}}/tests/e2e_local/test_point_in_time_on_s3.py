"""The point_in_time pattern on the cluster over S3: a run's snapshots land under their day, whole and clean.

The shared pattern run (``patterns_run``) gives ``--snapshot_date``, beside the main E2E's tables. Each snapshot
table then holds exactly that day's folder, with the rows of the output it copies, read through boto3 and
pyarrow, and nothing of the staging or the commit protocol. That a later day leaves an earlier one's objects
as they were is the kit's partial publish on S3, which the reprocessing pattern's E2E checks object by object,
and ``tests/kit/test_point_in_time.py`` checks for snapshots on the local filesystem.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from e2e_local.conftest import PatternsRun
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.io.publish import split_location
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import table_uri
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import LocalE2E
from {{ cookiecutter.job_name }}.kit.testing.s3_tables import leftovers, read_rows, relative_keys

JOB = under_test.JOB
DAY = "2024-06-01"
SNAPSHOTS: dict[str, str] = load_job(JOB.name).settings_for("point_in_time")["snapshots"]


def source_uri(output: str, snapshot: str) -> str:
    return table_uri(output, JOB.folders[SNAPSHOTS[snapshot]])


def snapshot_uri(output: str, snapshot: str) -> str:
    """A snapshot table lives beside the output it copies."""
    parent, _ = split_location(source_uri(output, snapshot))
    return f"{parent}/{snapshot}"


def run_arguments(base: Mapping[str, str]) -> dict[str, str]:
    """For the shared pattern run: the day its snapshots are filed under."""
    return {"--snapshot_date": DAY}


@pytest.fixture(scope="module")
def output(patterns_run: PatternsRun) -> str:
    return patterns_run.output


def test_each_snapshot_table_holds_the_days_folder_only_and_nothing_left_over(e2e: LocalE2E, output: str) -> None:
    assert SNAPSHOTS
    for snapshot in SNAPSHOTS:
        keys = relative_keys(e2e.s3, snapshot_uri(output, snapshot))
        assert keys, snapshot
        assert {key.split("/")[0] for key in keys} == {f"snapshot_date={DAY}"}, snapshot
        assert leftovers(keys) == [], snapshot


def test_the_days_snapshot_holds_the_rows_of_the_output_it_copies(e2e: LocalE2E, output: str) -> None:
    for snapshot in SNAPSHOTS:
        source = read_rows(e2e.s3, source_uri(output, snapshot))
        filed = read_rows(e2e.s3, snapshot_uri(output, snapshot))
        assert len(filed) == len(source) > 0, snapshot
        assert {row["snapshot_date"] for row in filed} == {DAY}
        assert sorted(str(sorted(row.items())) for row in source) == sorted(
            str(sorted((key, value) for key, value in row.items() if key != "snapshot_date")) for row in filed
        )
