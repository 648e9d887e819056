"""Job runs that more than one test module reads and none changes: run once per test process."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from .job_under_test import JobRun
from .{{ cookiecutter.__job_module }}_under_test import JOB


@pytest.fixture(scope="session")
def plain_run(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> JobRun:
    """The job on its sample data with no pattern argument, into an output of its own. Read it, never write to it:
    the tests that rerun or change a run make their own."""
    return JOB.run_sample(spark, tmp_path_factory.mktemp("plain-run"))
