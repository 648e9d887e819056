"""The recovery pattern's freshness check (``kit/patterns/recovery.py``): a late input stops the run, or warns.

The rule is checked on listings written by hand (path -> last-modified ms), then through a declared job's
``read_inputs``, where a stale input stops the run before any row is read.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import IntegerType, StructField, StructType

from {{ cookiecutter.job_name }}.kit.args import IntakeJobConfig, parse_job_arguments
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.handler import job_arguments
from {{ cookiecutter.job_name }}.kit.patterns.recovery import (
    PATTERN,
    RecoveryArguments,
    RecoveryError,
    StaleInputError,
    parse_settings,
    staleness,
)
from {{ cookiecutter.job_name }}.kit.steps import read_inputs
from {{ cookiecutter.job_name }}.kit.testing.data import age_files
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage

HOUR = 3600
NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z


def ms(seconds: float) -> int:
    return int(seconds * 1000)


def test_an_input_is_fresh_while_its_newest_file_is_younger_than_the_limit() -> None:
    listed = {"old.csv": ms(NOW - 50 * HOUR), "new.csv": ms(NOW - 35 * HOUR)}
    assert staleness("orders", listed, 36, NOW) is None
    assert staleness("orders", listed, 35, NOW) == (
        "orders's newest file (new.csv, last modified 2023-11-13T11:13:20Z) is 35.0 hours old"
    )


def test_an_input_with_no_file_is_stale() -> None:
    assert staleness("orders", {}, 36, NOW) == "orders has no file at all"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"fresh_inputs": "orders"}, r"fresh_inputs: Input should be a valid list"),
        ({"fresh": ["orders"]}, r"fresh: Extra inputs are not permitted"),
    ],
)
def test_bad_settings_say_what_is_wrong_and_the_shape_expected(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(RecoveryError, match=message) as raised:
        parse_settings(settings)
    assert '{"fresh_inputs": [input, ...]}' in str(raised.value)


def test_a_negative_age_is_refused() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        RecoveryArguments.model_validate({"max_input_age_hours": "-1"})


SCHEMA = StructType([StructField("id", IntegerType(), True)])
JOB = "fresh_job"


@pytest.fixture
def job(declared: DeclaredPackage, tmp_path: Path) -> Path:
    declared.contract("daily", SCHEMA)
    declared.contract("lookup", SCHEMA)
    spec = {"format": "csv", "encoding": "UTF-8", "policy": "fail", "why": "a test input"}
    declared.contract("out", SCHEMA)
    declared.job(
        JOB,
        {
            "inputs": {"daily": spec, "lookup": spec},
            "recovery": {"fresh_inputs": ["daily"]},
            "outputs": {"out": {"format": "parquet"}},
        },
    )
    raw = tmp_path / "raw"
    for name in ("daily", "lookup"):
        (raw / name).mkdir(parents=True)
        (raw / name / "part.csv").write_text("id\n1\n")
    age_files(raw / "lookup", 1000 * HOUR)  # a lookup table rarely changes: never checked
    return raw


def read(spark: SparkSession, raw: Path, *arguments: str) -> int:
    argv = ["script", "--JOB_NAME", JOB, "--quarantine_path", str(raw.parent / "quarantine"), *arguments]
    config = parse_job_arguments(argv, job_arguments(IntakeJobConfig))
    paths = {name: str(raw / name) for name in ("daily", "lookup")}
    tables, _ = read_inputs(spark, load_job(JOB), paths, config)
    return tables["daily"].count()


def test_without_the_argument_nothing_is_checked(spark: SparkSession, job: Path) -> None:
    age_files(job / "daily", 1000 * HOUR)
    assert read(spark, job) == 1


def test_a_fresh_input_is_read(spark: SparkSession, job: Path) -> None:
    assert read(spark, job, "--max_input_age_hours", "36") == 1


def test_a_stale_input_stops_the_run_before_reading_and_says_how_to_go_on(spark: SparkSession, job: Path) -> None:
    age_files(job / "daily", 40 * HOUR)
    with pytest.raises(StaleInputError) as raised:
        read(spark, job, "--max_input_age_hours", "36")
    message = str(raised.value)
    assert "daily's newest file" in message
    assert "older than --max_input_age_hours 36 allows" in message
    assert "pass --stale_inputs warn" in message


def test_warn_goes_on_with_a_warning(spark: SparkSession, job: Path, caplog: pytest.LogCaptureFixture) -> None:
    age_files(job / "daily", 40 * HOUR)
    with caplog.at_level(logging.WARNING):
        assert read(spark, job, "--max_input_age_hours", "36", "--stale_inputs", "warn") == 1
    assert "daily's newest file" in caplog.text
    assert "Going on (--stale_inputs warn)" in caplog.text


def test_the_check_never_chooses_files() -> None:
    assert PATTERN.admit_files is not None
    arguments = RecoveryArguments.model_validate({"max_input_age_hours": "36"})
    listed = {"a.csv": ms(time.time())}
    settings = {"fresh_inputs": ["daily"]}
    spark: Any = None  # the check reads no data
    assert PATTERN.admit_files(spark, "daily", "/raw/daily", "csv", listed, settings, arguments) is None
