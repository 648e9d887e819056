"""Pytest fixtures every render's tests share; ``tests/conftest.py`` loads this module as a plugin."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws
from pyspark.sql import SparkSession

from .declared import DeclaredPackage, declared_package

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_s3 import S3Client

# Tests see the same timestamps on every machine.
os.environ["TZ"] = "UTC"
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

TEST_REGION = "us-east-1"
TEST_BUCKET = "test-bucket"


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """One SparkSession for the whole test process, tuned for tiny data."""
    warehouse = tmp_path_factory.mktemp("warehouse")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("unit-tests")
        # Tiny data: one shuffle partition avoids 200 empty tasks per join/groupBy.
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        # One JVM for the whole test run: the optimising compiler pays off over its many small jobs (a job run of
        # the example is about a quarter faster from the second run on than with the quick compiler alone).
        .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -Duser.timezone=UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    return tmp_path / "output"


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a fixed region, so no test can sign a request with real ones."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", TEST_REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def s3(aws_credentials: None) -> Iterator[S3Client]:
    """A moto S3 client with ``TEST_BUCKET`` created."""
    with mock_aws():
        client = boto3.client("s3", region_name=TEST_REGION)
        client.create_bucket(Bucket=TEST_BUCKET)
        yield client


@pytest.fixture
def glue(aws_credentials: None) -> Iterator[GlueClient]:
    """A moto Glue client (no databases yet)."""
    with mock_aws():
        yield boto3.client("glue", region_name=TEST_REGION)


@pytest.fixture
def declared(tmp_path: Path) -> Iterator[DeclaredPackage]:
    """An empty stand-in for the job's declarations: the test writes the contracts and jobs it needs."""
    with declared_package(tmp_path / "declared") as package:
        yield package
