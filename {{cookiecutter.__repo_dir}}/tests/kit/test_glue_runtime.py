"""GlueRuntime against fakes that record calls and enforce Glue's rules (GlueContext needs the Glue jar)."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.args import JobConfig
from {{ cookiecutter.job_name }}.kit.handler import run_job
from {{ cookiecutter.job_name }}.kit.runtime import (
    RUNTIME_OVERRIDE,
    GlueRuntime,
    GlueUnavailableError,
    SparkRuntime,
    create_runtime,
)


class FakeGlueContext:
    def __init__(self, spark: SparkSession, calls: list[tuple[str, Any]]) -> None:
        self.spark_session = spark
        calls.append(("GlueContext", None))


class FakeJob:
    """Glue's rules: init once, commit only after init and at most once."""

    def __init__(self, glue_context: FakeGlueContext, calls: list[tuple[str, Any]]) -> None:
        self.calls = calls
        self.initialised = False
        self.committed = False
        calls.append(("Job", glue_context))

    def init(self, job_name: str, arguments: dict[str, str]) -> None:
        assert not self.initialised, "Job.init called twice"
        self.initialised = True
        self.calls.append(("init", (job_name, arguments)))

    def commit(self) -> None:
        assert self.initialised, "Job.commit without Job.init"
        assert not self.committed, "Job.commit called twice"
        self.committed = True
        self.calls.append(("commit", None))


class EchoConfig(JobConfig):
    table: str


def glue_runtime(spark: SparkSession, calls: list[tuple[str, Any]]) -> GlueRuntime:
    return GlueRuntime(
        glue_context_factory=lambda _sc: FakeGlueContext(spark, calls),
        job_factory=lambda context: FakeJob(context, calls),
        spark_context=spark.sparkContext,
    )


def test_successful_run_inits_then_commits_with_the_job_arguments(spark: SparkSession) -> None:
    calls: list[tuple[str, Any]] = []
    runtime = glue_runtime(spark, calls)

    result = run_job(
        ["script", "--JOB_NAME", "nightly", "--JOB_RUN_ID", "jr_1", "--table", "orders", "--TempDir", "s3://tmp/"],
        EchoConfig,
        lambda session, config: (session is spark, config.table),
        lambda: runtime,
    )

    assert result == (True, "orders")
    assert [name for name, _ in calls] == ["GlueContext", "Job", "init", "commit"]
    assert calls[2][1] == ("nightly", {"JOB_NAME": "nightly", "JOB_RUN_ID": "jr_1", "table": "orders"})


def test_failed_run_never_commits_so_bookmarks_stay_put(spark: SparkSession) -> None:
    calls: list[tuple[str, Any]] = []

    def failing(_spark: SparkSession, _config: EchoConfig) -> None:
        raise RuntimeError("write failed")

    with pytest.raises(RuntimeError, match="write failed"):
        run_job(["s", "--JOB_NAME", "n", "--table", "t"], EchoConfig, failing, lambda: glue_runtime(spark, calls))

    assert [name for name, _ in calls] == ["GlueContext", "Job", "init"]


def test_commit_before_init_and_double_commit_are_refused(spark: SparkSession) -> None:
    runtime = glue_runtime(spark, [])
    with pytest.raises(RuntimeError, match="commit\\(\\) before init"):
        runtime.commit()
    runtime.init("n", {})
    runtime.commit()
    with pytest.raises(RuntimeError, match="already called"):
        runtime.commit()


def test_real_glue_runtime_off_glue_explains_itself(spark: SparkSession) -> None:
    # Off Glue either awsglue is absent or its GlueContext cannot reach the Glue jar.
    with pytest.raises(GlueUnavailableError, match="only works on AWS Glue"):
        create_runtime("glue")


def test_unknown_runtime_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Unknown runtime 'emr'"):
        create_runtime("emr")


def test_the_glue_script_runs_on_plain_spark_only_when_job_runtime_says_so(
    spark: SparkSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RUNTIME_OVERRIDE, "spark")
    assert isinstance(create_runtime("glue"), SparkRuntime)
    monkeypatch.setenv(RUNTIME_OVERRIDE, "")
    with pytest.raises(GlueUnavailableError):
        create_runtime("glue")


def test_a_bad_job_runtime_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNTIME_OVERRIDE, "emr")
    with pytest.raises(ValueError, match=r"Unknown runtime 'emr' from \$JOB_RUNTIME"):
        create_runtime("glue")
