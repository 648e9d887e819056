"""The reprocessing pattern on the cluster over S3: ``--reprocess_dates`` replaces one date's objects, no other.

The shared pattern run (``patterns_run``) writes the table whole, beside the main E2E's tables; the job then
runs again with one date to rebuild. Every object outside that date must keep its key, ETag and LastModified;
the date's objects must all be new, with the date's rows; and nothing may be left of the run's staging. On S3
the move is a copy then a delete and the old objects go only after the new ones are in: what a local disk
cannot show.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyarrow.parquet as pq
import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from e2e_local.conftest import PatternsRun
from {{ cookiecutter.job_name }}.kit.io.publish import split_location
from {{ cookiecutter.job_name }}.kit.io.s3 import list_objects, split_s3_uri
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import table_uri
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import LocalE2E, tail
from {{ cookiecutter.job_name }}.kit.testing.s3_tables import data_files, leftovers, relative_keys

JOB = under_test.JOB
(OUTPUT, (COLUMN, ROWS_BY_DATE)) = next(iter(JOB.partitions.items()))
DATE = sorted(ROWS_BY_DATE)[len(ROWS_BY_DATE) // 2]
# Key -> (ETag, LastModified): what changes when an object is rewritten, even with the same bytes.
Listing = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class Runs:
    table: str
    before: Listing
    after: Listing


def listing(e2e: LocalE2E, uri: str) -> Listing:
    bucket, prefix = split_s3_uri(uri)
    found = list_objects(e2e.s3, bucket, f"{prefix}/")
    return {item["Key"][len(prefix) + 1 :]: (item["ETag"], item["LastModified"].isoformat()) for item in found}


def submit(e2e: LocalE2E, name: str, arguments: dict[str, str]) -> None:
    result = e2e.submit(name, arguments)
    assert result.returncode == 0, f"the job failed ({result.seconds:.0f} s):\n{tail(result.output)}"


@pytest.fixture(scope="module")
def runs(e2e: LocalE2E, patterns_run: PatternsRun) -> Runs:
    """The shared pattern run wrote the table whole; the same arguments and one date to rebuild then run again."""
    table = table_uri(patterns_run.output, JOB.folders[OUTPUT])
    before = listing(e2e, table)
    # A rebuild reads every file of its inputs: with bookmarks (the bookmarks pattern, if installed) off.
    rebuild = {**patterns_run.arguments, "--reprocess_dates": DATE, "--job-bookmark-option": "job-bookmark-disable"}
    submit(e2e, "e2e-reprocessing-date", rebuild)
    return Runs(table, before, listing(e2e, table))


def in_date(keys: Listing) -> Listing:
    return {key: value for key, value in keys.items() if key.startswith(f"{COLUMN}={DATE}/")}


def test_every_object_outside_the_date_keeps_its_key_etag_and_time(runs: Runs) -> None:
    def outside(keys: Listing) -> Listing:
        return {key: value for key, value in keys.items() if key not in in_date(keys)}

    assert outside(runs.after) == outside(runs.before)
    assert len(outside(runs.before)) >= len(ROWS_BY_DATE) - 1


def test_the_date_holds_only_new_objects_with_all_of_its_rows(e2e: LocalE2E, runs: Runs) -> None:
    new, old = in_date(runs.after), in_date(runs.before)
    assert new
    assert old
    assert set(new).isdisjoint(old)
    bucket, prefix = split_s3_uri(runs.table)
    rows = 0
    for key in data_files(list(new)):
        body = e2e.s3.get_object(Bucket=bucket, Key=f"{prefix}/{key}")["Body"].read()
        rows += pq.read_metadata(io.BytesIO(body)).num_rows
    assert rows == ROWS_BY_DATE[DATE]


def test_nothing_is_left_of_the_staging_or_the_commit_protocol(e2e: LocalE2E, runs: Runs) -> None:
    assert leftovers(list(runs.after)) == []
    parent, name = split_location(runs.table)
    assert relative_keys(e2e.s3, f"{parent}/.{name}.staging") == []
