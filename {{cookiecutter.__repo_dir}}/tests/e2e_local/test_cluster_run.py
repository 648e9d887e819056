"""The packaged job on a local Spark cluster over S3: what lands, a rerun, a bad argument and a bad input file.

Everything is asserted through boto3 and pyarrow, as a reader of the buckets sees it; what the sample
should give comes from ``<job>_under_test`` (worked out from the sample CSV files, not by the job).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from {{ cookiecutter.job_name }}.kit.declarations import load_contract, load_job
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import outside_tables
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import table_uri as table_location
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import (
    BUCKETS,
    LocalE2E,
    SubmitResult,
    keys_of,
    tail,
)
from {{ cookiecutter.job_name }}.kit.testing.s3_tables import (
    data_files,
    files_by_folder,
    leftovers,
    partition_values,
    read_rows,
    relative_keys,
    rows_digest,
)

JOB = under_test.JOB


@dataclass(frozen=True)
class Tables:
    """Each output's keys (relative to the table) and rows, as a reader sees them after a run."""

    keys: dict[str, list[str]]
    rows: dict[str, list[dict[str, Any]]]

    def digests(self) -> dict[str, str]:
        return {name: rows_digest(rows) for name, rows in self.rows.items()}


def table_uri(e2e: LocalE2E, name: str) -> str:
    return table_location(e2e.arguments["--output_path"], JOB.folders[name])


def input_uri(e2e: LocalE2E) -> str:
    return e2e.arguments[f"--{JOB.input_argument}"]


def tables(e2e: LocalE2E) -> Tables:
    keys = {name: relative_keys(e2e.s3, table_uri(e2e, name)) for name in JOB.folders}
    return Tables(keys, {name: read_rows(e2e.s3, table_uri(e2e, name)) for name in JOB.folders})


def require_success(result: SubmitResult) -> None:
    assert result.returncode == 0, f"the job failed ({result.seconds:.0f} s):\n{tail(result.output)}"


def quarantine_input() -> tuple[str, Path]:
    """The first input whose bad rows are quarantined, and its sample folder."""
    declaration = load_job(JOB.name)
    name = next(name for name, spec in declaration.inputs.items() if spec.policy.value == "quarantine")
    folder = JOB.sample / name
    return name, folder if folder.is_dir() else JOB.sample


@pytest.fixture(scope="module")
def first(e2e: LocalE2E, first_run: SubmitResult) -> tuple[SubmitResult, Tables]:
    require_success(first_run)
    return first_run, tables(e2e)


@pytest.fixture(scope="module")
def bad_row(first: tuple[SubmitResult, Tables], e2e: LocalE2E) -> tuple[str, str]:
    """One row of a quarantine-policy input made bad (a number column holds a word), uploaded beside the sample."""
    name, folder = quarantine_input()
    sample = sorted(folder.glob("*.csv"))[0]
    with sample.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    numeric = [field.name for field in load_contract(name).schema.fields if field.dataType.typeName() in (
        "integer", "long", "short", "decimal", "double", "float")]  # fmt: skip
    column = numeric[0]
    broken = list(rows[-1])
    broken[header.index(column)] = "not-a-number"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, broken])
    relative = sample.parent.relative_to(JOB.sample).as_posix()
    where = "/".join(part for part in (input_uri(e2e), relative, "e2e-bad-row.csv") if part != ".")
    bucket, _, key = where.removeprefix("s3://").partition("/")
    e2e.s3.put_object(Bucket=bucket, Key=key, Body=text.getvalue().encode())
    return name, column


@pytest.fixture(scope="module")
def rerun(first: tuple[SubmitResult, Tables], bad_row: tuple[str, str], e2e: LocalE2E) -> tuple[SubmitResult, Tables]:
    result = e2e.submit("e2e-rerun", e2e.arguments)
    require_success(result)
    return result, tables(e2e)


def test_every_output_lands_with_its_rows_and_partitions(first: tuple[SubmitResult, Tables]) -> None:
    _, landed = first
    for name, expected in JOB.rows.items():
        assert len(landed.rows[name]) == expected, name
    for name, (column, counts) in JOB.partitions.items():
        found = Counter(partition_values(key)[column] for key in data_files(landed.keys[name]))
        assert set(found) == set(counts), name
        rows = Counter(str(row[column]) for row in landed.rows[name])
        assert rows == Counter(counts), name


def test_each_table_is_one_file_per_folder_with_nothing_beside_it(first: tuple[SubmitResult, Tables]) -> None:
    _, landed = first
    for name, keys in landed.keys.items():
        assert leftovers(keys) == [], name
        assert set(files_by_folder(keys).values()) == {1}, name
        assert all(key.endswith(".parquet") for key in data_files(keys)), name
        # Nothing a reader of the table would list that is not data: no staging, markers or hidden files.
        assert data_files(keys) == keys, name


def test_the_run_leaves_no_staging_and_no_quarantine(first: tuple[SubmitResult, Tables], e2e: LocalE2E) -> None:
    everything = relative_keys(e2e.s3, e2e.arguments["--output_path"])
    assert outside_tables(everything, list(JOB.folders.values())) == []
    assert keys_of(e2e.s3, BUCKETS["quarantine"]) == []


def test_a_rerun_gives_the_same_tables_and_quarantines_the_bad_row(
    first: tuple[SubmitResult, Tables], rerun: tuple[SubmitResult, Tables], bad_row: tuple[str, str], e2e: LocalE2E
) -> None:
    (_, before), (_, after) = first, rerun
    assert after.digests() == before.digests()
    assert {name: files_by_folder(keys) for name, keys in after.keys.items()} == {
        name: files_by_folder(keys) for name, keys in before.keys.items()
    }
    dataset, column = bad_row
    quarantined = [key for key in keys_of(e2e.s3, BUCKETS["quarantine"]) if not key.rsplit("/", 1)[-1].startswith(
        ("_", "."))]  # fmt: skip
    assert quarantined, "nothing was quarantined"
    assert all(f"/{dataset}/run_id=e2e-rerun/" in f"/{key}" for key in quarantined), quarantined
    lines = [
        line
        for key in quarantined
        for line in e2e.s3.get_object(Bucket=BUCKETS["quarantine"], Key=key)["Body"].read().decode().splitlines()
        if line
    ]
    assert len(lines) == 1
    assert "not-a-number" in lines[0]
    assert column in lines[0]


def test_a_bad_argument_fails_with_the_jobs_own_message(e2e: LocalE2E) -> None:
    arguments = {**e2e.arguments, "--output_path": input_uri(e2e) + "/nested"}
    result = e2e.submit("e2e-bad-argument", arguments, timeout=120)
    assert result.returncode != 0
    assert f"--output_path ({arguments['--output_path']}) is inside --{JOB.input_argument}" in result.output


def test_a_bad_input_file_fails_the_run_and_leaves_every_table_as_it_was(
    rerun: tuple[SubmitResult, Tables], e2e: LocalE2E
) -> None:
    _, before = rerun
    name, folder = quarantine_input()
    relative = folder.relative_to(JOB.sample).as_posix()
    where = "/".join(part for part in (input_uri(e2e), relative, "e2e-wrong-header.csv") if part != ".")
    bucket, _, key = where.removeprefix("s3://").partition("/")
    e2e.s3.put_object(Bucket=bucket, Key=key, Body=b"not,the,header\n1,2,3\n")
    try:
        result = e2e.submit("e2e-bad-file", e2e.arguments)
    finally:
        e2e.s3.delete_object(Bucket=bucket, Key=key)
    assert result.returncode != 0
    assert "e2e-wrong-header.csv" in result.output, tail(result.output)
    after = tables(e2e)
    assert after.keys == before.keys
    assert after.digests() == before.digests()
    assert name in result.output
