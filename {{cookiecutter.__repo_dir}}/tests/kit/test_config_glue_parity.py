"""Our parser agrees with awsglue's own getResolvedOptions on the same argv."""

from __future__ import annotations

import pytest
from awsglue.utils import getResolvedOptions

from {{ cookiecutter.job_name }}.kit.args import JobConfig, parse_job_arguments


class PathsConfig(JobConfig):
    input_path: str
    output_path: str


def test_parser_matches_get_resolved_options() -> None:
    argv = [
        "script.py",
        "--JOB_ID",
        "j_123",
        "--JOB_RUN_ID",
        "jr_456",
        "--job-bookmark-option",
        "job-bookmark-disable",
        "--TempDir",
        "s3://bucket/tmp/",
        "--JOB_NAME",
        "nightly",
        "--input_path",
        "s3://bucket/in/",
        "--output_path",
        "s3://bucket/out/",
    ]

    # JOB_RUN_ID is one of Glue's reserved ids: always parsed, and an error to ask for.
    glue = getResolvedOptions(argv, ["JOB_NAME", "input_path", "output_path"])
    ours = parse_job_arguments(argv, PathsConfig)

    assert {name: glue[name] for name in ("JOB_NAME", "JOB_RUN_ID", "input_path", "output_path")} == ours.as_arguments()


class FilterConfig(JobConfig):
    filter_expression: str


@pytest.mark.parametrize(
    ("value_argv", "value"),
    [
        (["--filter_expression=status=shipped"], "status=shipped"),
        (["--filter_expression", "status=shipped"], "status=shipped"),
        (["--filter_expression==x"], "=x"),
        (["--filter_expression="], ""),
    ],
    ids=["inline", "spaced", "leading", "empty"],
)
def test_a_value_holding_equals_signs_parses_as_get_resolved_options_does(value_argv: list[str], value: str) -> None:
    # argparse splits '--name=value' at the first '=' only; the rest, '=' included, is the value.
    argv = ["script.py", "--JOB_NAME", "nightly", "--JOB_RUN_ID", "jr_1", *value_argv]

    glue = getResolvedOptions(argv, ["JOB_NAME", "filter_expression"])
    ours = parse_job_arguments(argv, FilterConfig)

    assert glue["filter_expression"] == value
    assert {name: glue[name] for name in ("JOB_NAME", "JOB_RUN_ID", "filter_expression")} == ours.as_arguments()
