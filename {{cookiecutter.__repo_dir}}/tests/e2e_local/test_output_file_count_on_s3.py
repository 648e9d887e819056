"""The output_file_count pattern on the cluster over S3: its two job arguments give exactly the files they ask for.

The shared pattern run (``patterns_run``) writes beside the main E2E's tables, so the two never meet. Files are counted
through boto3 and each file's rows read from its Parquet footer, as a reader of the bucket sees them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import pyarrow.parquet as pq
import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from e2e_local.conftest import PatternsRun
from {{ cookiecutter.job_name }}.kit.io.s3 import split_s3_uri
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import table_uri
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import LocalE2E
from {{ cookiecutter.job_name }}.kit.testing.s3_tables import (
    data_files,
    files_by_folder,
    leftovers,
    relative_keys,
)

JOB = under_test.JOB
PARTITIONED = next(iter(JOB.partitions))
PARTITION_COLUMN, PARTITION_ROWS = JOB.partitions[PARTITIONED]
# Small enough that the sample's largest partition folder needs several files.
CAP = 2 if max(PARTITION_ROWS.values()) > 2 else 1
FILES = 3


def run_arguments(base: Mapping[str, str]) -> dict[str, str]:
    """For the shared pattern run: --output_files for every unpartitioned output, a row cap for the partitioned one."""
    files = ",".join(f"{name}={FILES}" for name in JOB.unpartitioned)
    return {"--output_max_records_per_file": f"{PARTITIONED}={CAP}", **({"--output_files": files} if files else {})}


@pytest.fixture(scope="module")
def output_path(patterns_run: PatternsRun) -> str:
    return patterns_run.output


def rows_per_file(e2e: LocalE2E, uri: str) -> dict[str, int]:
    bucket, prefix = split_s3_uri(uri)
    rows = {}
    for key in data_files(relative_keys(e2e.s3, uri)):
        body = e2e.s3.get_object(Bucket=bucket, Key=f"{prefix.rstrip('/')}/{key}")["Body"].read()
        rows[key] = pq.read_metadata(io.BytesIO(body)).num_rows
    return rows


def test_every_output_has_exactly_the_files_its_argument_asks_for(e2e: LocalE2E, output_path: str) -> None:
    """The partitioned output: ceil(rows / cap) files per partition folder; the others: --output_files each."""
    for name in [PARTITIONED, *JOB.unpartitioned]:
        uri = table_uri(output_path, JOB.folders[name])
        keys = relative_keys(e2e.s3, uri)
        assert leftovers(keys) == [], name
        rows = rows_per_file(e2e, uri)
        # Rows are counted by hand for the outputs JOB.rows names (all of the minimal job's, two of the example's).
        if name in JOB.rows:
            assert sum(rows.values()) == JOB.rows[name], name
        assert all(count > 0 for count in rows.values()), f"{name}: an empty file {rows}"
        if name == PARTITIONED:
            expected = {f"{PARTITION_COLUMN}={day}": math.ceil(count / CAP) for day, count in PARTITION_ROWS.items()}
            assert files_by_folder(keys) == expected
            assert max(rows.values()) <= CAP
        else:
            assert files_by_folder(keys) == {".": FILES}, name
