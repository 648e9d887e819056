"""Job arguments: getResolvedOptions-style parsing into a typed config, with clear errors."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, Field

from {{ cookiecutter.job_name }}.kit import args as job_config
from {{ cookiecutter.job_name }}.kit.args import IntakeJobConfig, JobArgumentError, JobConfig
from {{ cookiecutter.job_name }}.kit.handler import job_arguments
from {{ cookiecutter.job_name }}.kit.patterns import argument_models


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


def test_a_job_argument_with_no_value_is_rejected_while_glue_arguments_may_have_none() -> None:
    # As getResolvedOptions: only the names it is asked for must have a value.
    with pytest.raises(JobArgumentError, match="'--input_path' has no value"):
        job_config.parse_job_arguments(["s", "--JOB_NAME", "n", "--input_path", "--dry_run", "true"], ExampleConfig)
    argv = ["s", "--JOB_NAME", "n", "--python-modules-installer-option", "--upgrade", "--input_path", "/i"]
    assert job_config.parse_job_arguments(argv, ExampleConfig).input_path == "/i"


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


# --- Near-misses: a typo of a known name is an error; any other unknown name is Glue's and ignored -------

EXACT = "Names must match exactly: underscores, not hyphens, and the same case."


class PathsConfig(IntakeJobConfig):
    output_path: str = Field(description="where the tables land")


class ExportArguments(BaseModel):
    """Like a cookbook pattern's arguments: a model of its own, added to the job's."""

    export_path: str | None = None


class WithPatternConfig(PathsConfig, ExportArguments):
    pass


def argument_errors(argv: list[str], model: type[JobConfig]) -> list[str]:
    with pytest.raises(JobArgumentError) as error:
        job_config.parse_job_arguments(argv, model)
    header, *lines = str(error.value).split("\n  ")
    assert header == "Bad job arguments:"
    return lines


def test_a_hyphenated_argument_is_named_with_the_argument_meant() -> None:
    argv = ["s", "--JOB_NAME", "n", "--output_path", "/o", "--quarantine-path", "/q"]
    assert argument_errors(argv, PathsConfig) == [
        f"--quarantine-path: not an argument of this job; did you mean --quarantine_path? {EXACT}",
        "--quarantine_path: missing. Pass it as '--quarantine_path <value>' "
        "(folder or s3:// prefix for rejected rows: <quarantine_path>/<dataset>/run_id=<run id>/).",
    ]


def test_an_argument_in_another_case_is_named_with_the_argument_meant() -> None:
    argv = ["s", "--JOB_NAME", "n", "--Output_Path", "/o", "--quarantine_path", "/q"]
    assert argument_errors(argv, PathsConfig) == [
        f"--Output_Path: not an argument of this job; did you mean --output_path? {EXACT}",
        "--output_path: missing. Pass it as '--output_path <value>' (where the tables land).",
    ]


def test_a_near_miss_given_inline_is_named_too() -> None:
    argv = ["s", "--JOB_NAME", "n", "--output-path=/o", "--quarantine_path", "/q"]
    assert argument_errors(argv, PathsConfig)[0] == (
        f"--output-path: not an argument of this job; did you mean --output_path? {EXACT}"
    )


def test_a_near_miss_of_an_optional_argument_is_an_error_on_its_own() -> None:
    # Nothing else is wrong, and --batch_size has a default: without the check the 20 would vanish silently.
    argv = ["s", "--JOB_NAME", "n", "--input_path", "/i", "--Batch-Size", "20"]
    assert argument_errors(argv, ExampleConfig) == [
        f"--Batch-Size: not an argument of this job; did you mean --batch_size? {EXACT}"
    ]


def test_a_near_miss_of_an_exact_argument_also_given_is_still_an_error() -> None:
    argv = ["s", "--JOB_NAME", "n", "--input_path", "/i", "--input-path", "/other"]
    assert argument_errors(argv, ExampleConfig) == [
        f"--input-path: not an argument of this job; did you mean --input_path? {EXACT}"
    ]


def test_a_near_miss_of_a_glue_name_suggests_the_glue_spelling() -> None:
    argv = ["s", "--Job-Name", "n", "--input_path", "/i"]
    assert argument_errors(argv, ExampleConfig)[0] == (
        f"--Job-Name: not an argument of this job; did you mean --JOB_NAME? {EXACT}"
    )


def test_a_near_miss_of_a_pattern_argument_is_named() -> None:
    argv = ["s", "--JOB_NAME", "n", "--output_path", "/o", "--quarantine_path", "/q", "--Export-Path", "/e"]
    assert argument_errors(argv, WithPatternConfig) == [
        f"--Export-Path: not an argument of this job; did you mean --export_path? {EXACT}"
    ]


def test_a_near_miss_of_each_installed_pattern_argument_is_named() -> None:
    # The job's full argument set, as run_job parses it: the config plus every installed pattern's arguments
    # (none when no pattern is installed: then the set is the config's own).
    # A pattern's argument is its field's name, or its alias (Glue's own --job-bookmark-option).
    pattern_fields = {
        name: info.alias or name for model in argument_models() for name, info in model.model_fields.items()
    }
    full = job_arguments(PathsConfig)
    assert set(full.model_fields) == set(PathsConfig.model_fields) | set(pattern_fields)
    for argument in sorted(pattern_fields.values()):
        typo = argument.replace("_", "-").upper()
        argv = ["s", "--JOB_NAME", "n", "--output_path", "/o", "--quarantine_path", "/q", f"--{typo}", "1"]
        assert argument_errors(argv, full) == [
            f"--{typo}: not an argument of this job; did you mean --{argument}? {EXACT}"
        ]


GLUE_ARGUMENTS = [
    *("--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--JOB_NAME", "nightly", "--TempDir", "s3://assets/temporary/"),
    *("--job-bookmark-option", "job-bookmark-enable", "--job-language", "python", "--enable-metrics", "true"),
    *("--enable-glue-datacatalog", "true", "--enable-continuous-cloudwatch-log", "true", "--enable-spark-ui", "true"),
    *("--spark-event-logs-path", "s3://assets/sparkHistoryLogs/", "--enable-job-insights", "true"),
    *("--enable-observability-metrics", "true", "--enable-auto-scaling", "true", "--datalake-formats", "iceberg"),
    *("--extra-py-files", "s3://assets/lib.zip", "--additional-python-modules", "s3://assets/pkg.whl"),
    *("--python-modules-installer-option", "--upgrade", "--conf", "spark.sql.shuffle.partitions=8"),
    *("--scriptLocation", "s3://assets/scripts/job.py", "--redshiftTmpDir", "s3://assets/redshift/"),
]


def test_glue_arguments_are_ignored() -> None:
    argv = ["s", *GLUE_ARGUMENTS, "--output_path", "s3://lake/out", "--quarantine_path", "s3://lake/q"]
    config = job_config.parse_job_arguments(argv, PathsConfig)
    assert (config.job_name, config.run_id, config.output_path) == ("nightly", "jr_1", "s3://lake/out")


def test_a_glue_argument_is_a_near_miss_only_of_a_field_the_job_has() -> None:
    class MetricsConfig(JobConfig):
        enable_metrics: bool = False

    argv = ["s", "--JOB_NAME", "n", "--enable-metrics", "true"]
    assert argument_errors(argv, MetricsConfig) == [
        f"--enable-metrics: not an argument of this job; did you mean --enable_metrics? {EXACT}"
    ]
