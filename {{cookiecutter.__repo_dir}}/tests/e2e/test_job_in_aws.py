"""The deployed job in AWS, on this build's artifact: the sample's outputs, a bad argument, a denied caller.

Each test has a prefix of its own under every location and leaves nothing there. What the sample should
give comes from ``<job>_under_test`` (worked out from the sample CSV files, not by the job); everything is
asserted through boto3 and pyarrow, as a reader of the buckets sees it.
"""

from __future__ import annotations

from collections import Counter

import pytest

# A plain import sorts first whatever the job's name; the module is the job's (<job>_under_test).
import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from {{ cookiecutter.job_name }}.kit.io.s3 import list_objects, split_s3_uri
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import (
    AwsE2E,
    JobRunFailedError,
    RunPlace,
    expect_access_denied,
    outside_tables,
    table_uri,
)
from {{ cookiecutter.job_name }}.kit.testing.s3_tables import (
    data_files,
    leftovers,
    partition_values,
    read_rows,
    relative_keys,
)

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]
JOB = under_test.JOB


def input_uri(place: RunPlace) -> str:
    return place.arguments[f"--{JOB.input_argument}"]


def test_the_sample_gives_every_output_with_its_rows_and_partitions(aws_e2e: AwsE2E, e2e_run: RunPlace) -> None:
    aws_e2e.upload(JOB.sample, input_uri(e2e_run))
    report = aws_e2e.run(e2e_run.arguments)
    print(report.describe())

    output = e2e_run.arguments["--output_path"]
    keys = {name: relative_keys(aws_e2e.s3, table_uri(output, folder)) for name, folder in JOB.folders.items()}
    for name, expected in JOB.rows.items():
        assert len(read_rows(aws_e2e.s3, table_uri(output, JOB.folders[name]))) == expected, name
    for name, (column, counts) in JOB.partitions.items():
        rows = read_rows(aws_e2e.s3, table_uri(output, JOB.folders[name]))
        assert Counter(str(row[column]) for row in rows) == Counter(counts), name
        assert {partition_values(key)[column] for key in data_files(keys[name])} == set(counts), name
    for name, table in keys.items():
        assert data_files(table), f"{name}: no data files"
        assert leftovers(table) == [], name
        # Nothing a reader of the table lists that is not data: no staging, markers or hidden files.
        assert data_files(table) == table, name
    assert outside_tables(relative_keys(aws_e2e.s3, output), list(JOB.folders.values())) == []
    # The sample is clean: nothing set aside.
    quarantine_bucket, quarantine_prefix = split_s3_uri(e2e_run.arguments["--quarantine_path"])
    assert list_objects(aws_e2e.s3, quarantine_bucket, quarantine_prefix + "/") == []


def test_a_bad_argument_fails_the_run_with_the_jobs_own_message(aws_e2e: AwsE2E, e2e_run: RunPlace) -> None:
    nested = input_uri(e2e_run) + "/nested"
    with pytest.raises(JobRunFailedError) as failed:
        aws_e2e.run({**e2e_run.arguments, "--output_path": nested})
    print(failed.value.report.describe())
    assert failed.value.state == "FAILED"
    assert f"--output_path ({nested}) is inside --{JOB.input_argument}" in failed.value.error_message


def test_a_caller_without_permission_cannot_start_the_job(aws_e2e: AwsE2E, e2e_run: RunPlace) -> None:
    if not aws_e2e.settings.denied_role_arn:
        pytest.skip(
            "set E2E_DENIED_ROLE_ARN to a role the E2E's caller may assume and that may not start the job "
            "(e.g. the dev account's read-only role) to check that Glue refuses it."
        )
    code = expect_access_denied(aws_e2e.denied_glue(), aws_e2e.settings.glue_job, e2e_run.arguments)
    assert code in ("AccessDeniedException", "AccessDenied")
