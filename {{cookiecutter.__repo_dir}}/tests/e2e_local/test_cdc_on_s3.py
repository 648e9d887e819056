"""The change-records pattern on the cluster over S3: the sample change feed folds into the state table.

The main E2E's first run (``first_run``) folds the sample change feed, which ``sample_input`` puts in the raw
bucket where the job looks for it. The state table then holds, read through boto3 and pyarrow, what
``tests/integration/test_cdc_job.py`` expects on the local filesystem, and nothing of the staging or the
commit protocol. The rows the reader numbers per file come from separate executor JVMs here.
"""

from __future__ import annotations

import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from integration.test_cdc_job import EXPECTED, FEED
from {{ cookiecutter.job_name }}.kit.io.publish import split_location
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import table_uri
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import LocalE2E, SubmitResult, tail
from {{ cookiecutter.job_name }}.kit.testing.s3_tables import leftovers, read_rows, relative_keys

JOB = under_test.JOB


def state_uri(output: str) -> str:
    """The state is a declared output of the job: its own folder, or beside the output table (minimal job)."""
    if FEED.state in JOB.folders:
        return table_uri(output, JOB.folders[FEED.state])
    return f"{split_location(output)[0]}/{FEED.state}"


@pytest.fixture(scope="module")
def output(e2e: LocalE2E, first_run: SubmitResult) -> str:
    """The main E2E's first run: the sample change feed is in the raw bucket where the job looks for it."""
    assert first_run.returncode == 0, f"the job failed ({first_run.seconds:.0f} s):\n{tail(first_run.output)}"
    return e2e.arguments["--output_path"]


def test_the_state_table_holds_the_folded_feed_and_nothing_left_over(e2e: LocalE2E, output: str) -> None:
    keys = relative_keys(e2e.s3, state_uri(output))
    assert keys
    assert leftovers(keys) == []
    rows = {row[FEED.key[0]]: row for row in read_rows(e2e.s3, state_uri(output))}
    assert sorted(key for key, row in rows.items() if row["Op"] == "D") == EXPECTED.tombstones
    assert len(rows) == EXPECTED.live + len(EXPECTED.tombstones)
    for key, values in EXPECTED.values.items():
        assert {column: rows[key][column] for column in values} == values, key
