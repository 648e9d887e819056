"""Job arguments: getResolvedOptions-style parsing into a typed config, with clear errors."""

from __future__ import annotations

import re

import pytest
from pydantic import Field

from {{ cookiecutter.job_name }}.kit import args as job_config
from {{ cookiecutter.job_name }}.kit.args import JobArgumentError, JobConfig


class ExampleConfig(JobConfig):
    input_path: str = Field(description="where the input lives")
    batch_size: int = Field(default=500, ge=1)
    dry_run: bool = False


def test_glue_style_argv_with_glue_extras_parses_into_typed_fields() -> None:
    argv = [
        "script.py",
        "--JOB_ID",
        "j_1",
        "--job-bookmark-option",
        "job-bookmark-enable",
        "--JOB_NAME",
        "nightly",
        "--input_path",
        "s3://bucket/in/",
        "--batch_size=20",
        "--dry_run",
        "true",
    ]

    config = job_config.parse_job_arguments(argv, ExampleConfig)

    assert (config.job_name, config.input_path, config.batch_size, config.dry_run) == (
        "nightly",
        "s3://bucket/in/",
        20,
        True,
    )


def test_optional_arguments_take_their_defaults() -> None:
    config = job_config.parse_job_arguments(["s", "--JOB_NAME", "n", "--input_path", "/tmp/in"], ExampleConfig)
    assert (config.batch_size, config.dry_run) == (500, False)


def test_every_problem_is_reported_at_once_with_a_fix() -> None:
    with pytest.raises(JobArgumentError) as error:
        job_config.parse_job_arguments(["s", "--JOB_NAME", "n", "--batch_size", "zero"], ExampleConfig)

    message = str(error.value)
    assert "--input_path: missing. Pass it as '--input_path <value>' (where the input lives)." in message
    assert "--batch_size: Input should be a valid integer" in message


def test_abbreviated_names_are_not_accepted() -> None:
    # Glue 6.0's getResolvedOptions rejects abbreviations; so do we, on every version.
    with pytest.raises(JobArgumentError, match="--input_path: missing"):
        job_config.parse_job_arguments(["s", "--JOB_NAME", "n", "--input", "/tmp/in"], ExampleConfig)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["s", "--input_path"], "'--input_path' has no value"),
        (["s", "--input_path", "--JOB_NAME", "n"], "'--input_path' has no value"),
        (["s", "stray", "--JOB_NAME", "n"], "Unexpected job argument 'stray'"),
    ],
)
def test_malformed_argv_is_rejected(argv: list[str], message: str) -> None:
    with pytest.raises(JobArgumentError, match=message):
        job_config.split_arguments(argv)


@pytest.mark.parametrize(
    ("argv", "values"),
    [
        (["s", "--filter=a=b"], {"filter": "a=b"}),
        (["s", "--conf", "spark.x=1"], {"conf": "spark.x=1"}),
        (["s", "--where=status=shipped=late"], {"where": "status=shipped=late"}),
        (["s", "--where==x"], {"where": "=x"}),
        (["s", "--where=", "--limit", "5"], {"where": "", "limit": "5"}),
    ],
    ids=["inline", "spaced", "several", "leading", "empty"],
)
def test_only_the_first_equals_sign_ends_an_inline_name(argv: list[str], values: dict[str, str]) -> None:
    # The value is everything after the first '=', as argparse (and so getResolvedOptions) splits it.
    assert job_config.split_arguments(argv) == values


def test_as_arguments_gives_the_given_arguments_with_glue_names_as_strings() -> None:
    # As getResolvedOptions returns them: what the run was given, not the model's defaults.
    argv = ["s", "--JOB_NAME", "n", "--JOB_RUN_ID", "jr_1", "--input_path", "p", "--dry_run", "true"]
    config = job_config.parse_job_arguments(argv, ExampleConfig)
    assert config.as_arguments() == {"JOB_NAME": "n", "JOB_RUN_ID": "jr_1", "input_path": "p", "dry_run": "True"}


def test_as_arguments_includes_a_generated_run_id() -> None:
    config = job_config.parse_job_arguments(["s", "--JOB_NAME", "n", "--input_path", "p"], ExampleConfig)
    assert config.as_arguments() == {"JOB_NAME": "n", "JOB_RUN_ID": config.run_id, "input_path": "p"}
    assert config.run_id.startswith("local-")


def test_glue_run_id_is_used_and_local_runs_get_a_unique_timestamped_one() -> None:
    glue = job_config.parse_job_arguments(
        ["s", "--JOB_NAME", "n", "--JOB_RUN_ID", "jr_0a1b", "--input_path", "p"], ExampleConfig
    )
    first, second = (
        job_config.parse_job_arguments(["s", "--JOB_NAME", "n", "--input_path", "p"], ExampleConfig) for _ in "ab"
    )

    assert glue.run_id == "jr_0a1b"
    assert re.fullmatch(r"local-\d{8}T\d{6}Z-[0-9a-f]{6}", first.run_id)
    assert first.run_id != second.run_id


def test_a_run_id_that_cannot_name_a_folder_is_rejected() -> None:
    with pytest.raises(JobArgumentError, match="--JOB_RUN_ID: String should match pattern"):
        job_config.parse_job_arguments(
            ["s", "--JOB_NAME", "n", "--JOB_RUN_ID", "a/b", "--input_path", "p"], ExampleConfig
        )
