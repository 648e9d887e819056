"""Location arguments: checked against each other (and an input against being a file) before any Spark starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field, ValidationError
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit.args import (
    InputPath,
    IntakeJobConfig,
    JobArgumentError,
    Location,
    OutputPath,
    normalise_location,
    parse_job_arguments,
)
from {{ cookiecutter.job_name }}.kit.handler import run_job
from {{ cookiecutter.job_name }}.kit.runtime import JobRuntime

SIDE_BY_SIDE = "folders side by side, neither inside the other."
INPUT_OUTPUT = (
    "the outputs would be written among the source files, and the next run would read them back as input "
    "or fail on them"
)
OUTPUT_QUARANTINE = (
    "quarantined rows would mix into the output tables, or be deleted when a table is overwritten, "
    "and the run would lose the rows it set aside"
)


class ExportArguments(BaseModel):
    """Like a pattern's arguments: an optional output location, on a model that is not a JobConfig."""

    export_path: OutputPath | None = Field(default=None, description="folder for one-file exports")


class PathsConfig(IntakeJobConfig, ExportArguments):
    raw_path: InputPath = Field(description="one folder per source table")
    output_path: OutputPath = Field(description="table T lands in <output_path>/T")


class TwoInputsConfig(IntakeJobConfig):
    orders_path: InputPath
    customers_path: InputPath
    output_path: OutputPath


def parse(model: type[IntakeJobConfig] = PathsConfig, **paths: str) -> IntakeJobConfig:
    argv = ["script", "--JOB_NAME", "n"]
    for name, value in paths.items():
        argv += [f"--{name}", value]
    return parse_job_arguments(argv, model)


def problems(model: type[IntakeJobConfig] = PathsConfig, **paths: str) -> list[str]:
    """The lines of the JobArgumentError the paths give."""
    with pytest.raises(JobArgumentError) as error:
        parse(model, **paths)
    header, *lines = str(error.value).split("\n")
    assert header == "Bad job arguments:"
    return [line.strip() for line in lines]


def test_separate_folders_are_accepted() -> None:
    config = parse(
        raw_path="s3://lake/raw/",
        output_path="s3://lake/star/",
        quarantine_path="s3://lake-quarantine/star/",
        export_path="s3://lake/exports",
        TempDir="s3://aws-glue-assets-1-eu-west-1/temporary/",
    )
    assert config.temp_dir == "s3://aws-glue-assets-1-eu-west-1/temporary/"


def test_output_equal_to_raw_is_refused() -> None:
    assert problems(raw_path="s3://b/raw", output_path="s3://b/raw", quarantine_path="s3://b/q") == [
        f"--raw_path (s3://b/raw) and --output_path (s3://b/raw) are the same location: {INPUT_OUTPUT}. "
        f"Give --raw_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_output_inside_a_raw_table_folder_is_refused() -> None:
    # Works once, then the next run reads the output as part of the customers table.
    assert problems(raw_path="s3://b/raw", output_path="s3://b/raw/customers/star", quarantine_path="s3://b/q") == [
        f"--output_path (s3://b/raw/customers/star) is inside --raw_path (s3://b/raw): {INPUT_OUTPUT}. "
        f"Give --raw_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_raw_inside_output_is_refused() -> None:
    assert problems(raw_path="s3://b/out/raw", output_path="s3://b/out", quarantine_path="s3://b/q") == [
        f"--raw_path (s3://b/out/raw) is inside --output_path (s3://b/out): {INPUT_OUTPUT}. "
        f"Give --raw_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_quarantine_inside_output_is_refused() -> None:
    assert problems(raw_path="s3://b/raw", output_path="s3://b/out", quarantine_path="s3://b/out/quarantine") == [
        f"--quarantine_path (s3://b/out/quarantine) is inside --output_path (s3://b/out): {OUTPUT_QUARANTINE}. "
        f"Give --quarantine_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_quarantine_inside_an_output_table_folder_is_refused() -> None:
    # The table's overwrite would delete the rows the run just quarantined.
    assert problems(raw_path="s3://b/raw", output_path="s3://b/out", quarantine_path="s3://b/out/fact_orders/q") == [
        f"--quarantine_path (s3://b/out/fact_orders/q) is inside --output_path (s3://b/out): {OUTPUT_QUARANTINE}. "
        f"Give --quarantine_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_quarantine_equal_to_output_is_refused() -> None:
    assert problems(raw_path="s3://b/raw", output_path="s3://b/out", quarantine_path="s3://b/out") == [
        f"--quarantine_path (s3://b/out) and --output_path (s3://b/out) are the same location: {OUTPUT_QUARANTINE}. "
        f"Give --quarantine_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_glue_temp_dir_overlapping_an_output_is_refused() -> None:
    assert problems(
        raw_path="s3://b/raw", output_path="s3://b/out", quarantine_path="s3://b/q", TempDir="s3://b/out/tmp/"
    ) == [
        "--TempDir (s3://b/out/tmp/) is inside --output_path (s3://b/out): temporary files would mix into the "
        f"output tables, or be deleted when a table is overwritten. Give --TempDir and --output_path {SIDE_BY_SIDE}"
    ]


def test_glue_temp_dir_is_not_passed_on_to_the_runtime() -> None:
    config = parse(raw_path="s3://b/raw", output_path="s3://b/out", quarantine_path="s3://b/q", TempDir="s3://b/t")
    assert "TempDir" not in config.as_arguments()


@pytest.mark.parametrize("scheme", ["s3a", "s3n", "S3A"])
def test_s3_connector_schemes_name_the_same_bucket(scheme: str) -> None:
    assert problems(raw_path=f"{scheme}://b/raw", output_path="s3://b/raw/star", quarantine_path="s3://b/q") == [
        f"--output_path (s3://b/raw/star) is inside --raw_path ({scheme}://b/raw): {INPUT_OUTPUT}. "
        f"Give --raw_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_trailing_and_repeated_slashes_do_not_hide_an_overlap() -> None:
    assert problems(raw_path="s3://b/raw", output_path="s3://b/out//", quarantine_path="s3://b//out") == [
        f"--quarantine_path (s3://b//out) and --output_path (s3://b/out//) are the same location: {OUTPUT_QUARANTINE}. "
        f"Give --quarantine_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_a_prefix_that_only_shares_leading_characters_is_not_nesting() -> None:
    config = parse(raw_path="s3://b/out", output_path="s3://b/output", quarantine_path="s3://b/outputs")
    assert isinstance(config, PathsConfig)
    assert (config.raw_path, config.output_path, config.quarantine_path) == (
        "s3://b/out",
        "s3://b/output",
        "s3://b/outputs",
    )


def test_an_s3_location_never_overlaps_a_local_one(tmp_path: Path) -> None:
    parse(raw_path="s3://b/raw", output_path=str(tmp_path / "b" / "raw"), quarantine_path=str(tmp_path / "q"))


def test_local_paths_are_compared_absolute_and_normalised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    raw = f"file://{tmp_path}/raw/"
    assert problems(raw_path=raw, output_path="raw/../raw/./star", quarantine_path="q") == [
        f"--output_path (raw/../raw/./star) is inside --raw_path ({raw}): {INPUT_OUTPUT}. "
        f"Give --raw_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_a_symbolic_link_is_the_folder_it_points_to(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "out")
    quarantine = str(tmp_path / "link" / "q")
    output = str(tmp_path / "out")
    assert problems(raw_path=str(tmp_path / "raw"), output_path=output, quarantine_path=quarantine) == [
        f"--quarantine_path ({quarantine}) is inside --output_path ({output}): {OUTPUT_QUARANTINE}. "
        f"Give --quarantine_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_a_raw_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    csv_file = tmp_path / "customers.csv"
    csv_file.write_text("customerNumber\n1\n", encoding="utf-8")
    output, quarantine = str(tmp_path / "out"), str(tmp_path / "q")
    assert problems(raw_path=str(csv_file), output_path=output, quarantine_path=quarantine) == [
        f"--raw_path ({csv_file}) is a file; pass the folder that holds it ({tmp_path})."
    ]


def test_an_s3_raw_path_is_not_looked_up() -> None:
    # Whether an s3:// key is an object is the reader's question: the argument check never calls AWS.
    parse(raw_path="s3://b/raw/customers.csv", output_path="s3://b/out", quarantine_path="s3://b/q")


def test_two_inputs_may_not_nest() -> None:
    assert problems(
        TwoInputsConfig,
        orders_path="s3://b/raw",
        customers_path="s3://b/raw/customers",
        output_path="s3://b/out",
        quarantine_path="s3://b/q",
    ) == [
        "--customers_path (s3://b/raw/customers) is inside --orders_path (s3://b/raw): one input's folder would be "
        f"read as part of the other's. Give --orders_path and --customers_path {SIDE_BY_SIDE}"
    ]


def test_an_optional_location_of_a_pattern_model_is_checked() -> None:
    assert problems(
        raw_path="s3://b/raw", output_path="s3://b/out", quarantine_path="s3://b/q", export_path="s3://b/out/exports"
    ) == [
        "--export_path (s3://b/out/exports) is inside --output_path (s3://b/out): the outputs would be written "
        "into each other's folders, and overwriting one deletes the other. "
        f"Give --export_path and --output_path {SIDE_BY_SIDE}"
    ]


def test_overlaps_are_listed_with_the_other_argument_errors() -> None:
    argv = ["script", "--raw_path", "s3://b/raw", "--output_path", "s3://b/raw", "--quarantine_path", "s3://b/q"]
    argv += ["--export_path", ""]
    with pytest.raises(JobArgumentError) as error:
        parse_job_arguments(argv, PathsConfig)

    assert str(error.value).split("\n  ") == [
        "Bad job arguments:",
        "--export_path: String should have at least 1 character (got '').",
        "--JOB_NAME: missing. Pass it as '--JOB_NAME <value>' (set by Glue; pass it yourself on a local run).",
        f"--raw_path (s3://b/raw) and --output_path (s3://b/raw) are the same location: {INPUT_OUTPUT}. "
        f"Give --raw_path and --output_path {SIDE_BY_SIDE}",
    ]


def test_the_model_itself_refuses_overlapping_locations() -> None:
    # Not only the argv parser: a config built any other way is checked too.
    values = {"JOB_NAME": "n", "raw_path": "s3://b/raw", "output_path": "s3://b/out", "quarantine_path": "s3://b/out"}
    with pytest.raises(ValidationError, match=r"--quarantine_path \(s3://b/out\) and --output_path \(s3://b/out\)"):
        PathsConfig.model_validate(values)


def test_a_location_role_must_be_one_the_check_knows() -> None:
    with pytest.raises(ValueError, match="location role must be one of input, output, quarantine, temp, got 'raw'"):
        Location("raw")


@pytest.mark.parametrize(
    ("location", "normalised"),
    [
        ("s3://b/a/", "s3://b/a"),
        ("s3a://b/a", "s3://b/a"),
        ("S3N://b//a///c/", "s3://b/a/c"),
        ("s3://b/", "s3://b"),
        ("hdfs://namenode:8020/a/", "hdfs://namenode:8020/a"),
        ("file:///srv/a/../b/", "/srv/b"),
        ("file:/srv/a", "/srv/a"),
        ("file://localhost/srv/a", "/srv/a"),
        ("/srv/./a//b/", "/srv/a/b"),
    ],
)
def test_normalise_location(location: str, normalised: str) -> None:
    assert normalise_location(location) == normalised


def test_the_handler_refuses_to_start_on_overlapping_locations() -> None:
    def no_runtime() -> JobRuntime:
        raise AssertionError("the runtime must not be built when the locations overlap")

    def pipeline(spark: SparkSession, config: PathsConfig) -> None:
        raise AssertionError("the pipeline must not run")

    argv = ["script", "--JOB_NAME", "n", "--raw_path", "s3://b/raw", "--output_path", "s3://b/out"]
    argv += ["--quarantine_path", "s3://b/out/fact_orders/quarantine"]
    with pytest.raises(JobArgumentError, match=r"--quarantine_path \(s3://b/out/fact_orders/quarantine\) is inside"):
        run_job(argv, PathsConfig, pipeline, no_runtime)
