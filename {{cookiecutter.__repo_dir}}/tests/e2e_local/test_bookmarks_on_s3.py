"""The bookmarks pattern on the cluster over S3: the second run reads only the file that arrived since the first.

The shared pattern run (``patterns_run``) is the first: ``--job-bookmark-option job-bookmark-enable``, the
bookmarks kept under an S3 prefix of the temp bucket, as a run on any Spark but Glue's would keep them. The
file of ``tests/integration/test_bookmarks_job.py`` then arrives in the raw bucket and the job runs again. The
merged output keeps every object outside the partitions the new rows touch (same key, ETag and LastModified);
those partitions hold new objects only, with their rows; the store under S3 holds both runs. A job whose
bookmarked input is a change feed (no merge) checks instead that its second run leaves the state as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from e2e_local.conftest import PatternsRun
from integration.test_bookmarks_job import ARRIVALS, BOOKMARKED, MERGED
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.io.publish import split_location
from {{ cookiecutter.job_name }}.kit.io.s3 import list_objects, split_s3_uri
from {{ cookiecutter.job_name }}.kit.patterns.bookmarks import BookmarkStore
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import table_uri
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import (
    BUCKETS,
    LocalE2E,
    SubmitResult,
    tail,
)
from {{ cookiecutter.job_name }}.kit.testing.s3_tables import (
    leftovers,
    partition_values,
    read_rows,
    rows_digest,
)

JOB = under_test.JOB
# It adds a file to the raw input and merges it into the shared pattern run's tables: after every other module.
RUNS_LAST = True
# Key -> (ETag, LastModified): what changes when an object is rewritten, even with the same bytes.
Listing = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class Runs:
    e2e: LocalE2E
    table: str
    store: str
    first: SubmitResult
    second: SubmitResult
    before: Listing
    after: Listing
    digest_before: str


def listing(e2e: LocalE2E, uri: str) -> Listing:
    bucket, prefix = split_s3_uri(uri)
    found = list_objects(e2e.s3, bucket, f"{prefix}/")
    return {item["Key"][len(prefix) + 1 :]: (item["ETag"], item["LastModified"].isoformat()) for item in found}


def succeeded(result: SubmitResult) -> SubmitResult:
    assert result.returncode == 0, f"the job failed ({result.seconds:.0f} s):\n{tail(result.output)}"
    return result


def table_of(output: str, name: str) -> str:
    return table_uri(output, JOB.folders[name]) if name in JOB.folders else f"{split_location(output)[0]}/{name}"


def run_arguments(base: Mapping[str, str]) -> dict[str, str]:
    """For the shared pattern run, its first: bookmarks on, kept under an S3 prefix of the temp bucket."""
    return {"--job-bookmark-option": "job-bookmark-enable", "--bookmark_store": f"s3://{BUCKETS['temp']}/bookmarks-e2e"}


@pytest.fixture(scope="module")
def runs(e2e: LocalE2E, patterns_run: PatternsRun) -> Runs:
    """The shared pattern run read every file and committed; the new file arrives in the raw bucket, the job runs
    again with the same arguments, and the file is taken away again (the raw input is every module's)."""
    target = MERGED or load_job(JOB.name).settings_for("cdc")[JOB.sample.name]["state"]
    table = table_of(patterns_run.output, target)
    before = listing(e2e, table)
    digest = rows_digest(read_rows(e2e.s3, table))
    # A change feed's job gets no new file: its second run has nothing new to fold.
    arrival = ARRIVALS[JOB.name]() if MERGED is not None else None
    raw = e2e.arguments[f"--{JOB.input_argument}"]
    uri = "/".join(part for part in (raw, arrival.folder, arrival.name) if part) if arrival else None
    bucket, key = split_s3_uri(uri) if uri else ("", "")
    if arrival:
        e2e.s3.put_object(Bucket=bucket, Key=key, Body=arrival.text.encode())
    try:
        second = succeeded(e2e.submit("e2e-bookmarks-second", patterns_run.arguments))
    finally:
        if arrival:
            e2e.s3.delete_object(Bucket=bucket, Key=key)
    store = patterns_run.arguments["--bookmark_store"]
    return Runs(e2e, table, store, patterns_run.result, second, before, listing(e2e, table), digest)


def test_both_runs_are_committed_in_the_store_under_s3(runs: Runs) -> None:
    store = BookmarkStore(runs.store, runs.e2e.manifest.job_name, s3=runs.e2e.s3)
    assert [bookmark.run_id for bookmark in store.history()] == ["e2e-patterns", "e2e-bookmarks-second"]
    assert store.unlock() is False  # each run released the lock
    assert BOOKMARKED in store.current().sources


if MERGED is not None:

    def test_objects_outside_the_new_rows_partitions_keep_their_key_etag_and_time(runs: Runs) -> None:
        assert MERGED is not None
        column, _ = JOB.partitions[MERGED]
        changed = set(ARRIVALS[JOB.name]().changed)

        def outside(keys: Listing) -> Listing:
            return {key: value for key, value in keys.items() if partition_values(key).get(column) not in changed}

        assert outside(runs.after) == outside(runs.before)
        assert outside(runs.before)

    def test_the_new_rows_partitions_hold_new_objects_with_their_rows(runs: Runs) -> None:
        assert MERGED is not None
        column, _ = JOB.partitions[MERGED]
        arrival = ARRIVALS[JOB.name]()
        rows = read_rows(runs.e2e.s3, runs.table)
        assert len(rows) == arrival.total
        assert arrival.check(rows)
        for value, count in arrival.changed.items():
            assert sum(1 for row in rows if str(row[column]) == value) == count, value
            new = [key for key in runs.after if partition_values(key).get(column) == value]
            assert set(new).isdisjoint(runs.before), value
        assert leftovers(list(runs.after)) == []

else:

    def test_the_second_run_leaves_the_state_as_it_was_and_the_bookmark_where_it_stood(runs: Runs) -> None:
        assert rows_digest(read_rows(runs.e2e.s3, runs.table)) == runs.digest_before
        first, second = BookmarkStore(runs.store, runs.e2e.manifest.job_name, s3=runs.e2e.s3).history()
        assert second.sources == first.sources
        assert len(first.sources[BOOKMARKED]) == len(list(JOB.sample.parent.joinpath(BOOKMARKED).glob("*.csv")))
