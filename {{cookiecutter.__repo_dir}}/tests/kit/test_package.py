"""make package: the argument set, the manifest, what the artifact carries, and a byte-identical wheel."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from pydantic import Field

from {{ cookiecutter.job_name }}.kit.args import InputPath, IntakeJobConfig, OutputPath, TempPath
from {{ cookiecutter.job_name }}.kit.cli.package import (
    ZIP_EPOCH,
    build_wheel,
    carried_dependencies,
    find_uv,
    glue_provided,
    source_date_epoch,
)
from {{ cookiecutter.job_name }}.kit.deploy import (
    Artifact,
    Manifest,
    ManifestError,
    argument_templates,
    fill_arguments,
    load_manifest,
)

REPO = Path(__file__).resolve().parents[2]
PROJECT = "{{ cookiecutter.job_name }}"
GLUE_PYTHON = "{{ cookiecutter._glue[cookiecutter.glue_version].python }}"


class TwoInputs(IntakeJobConfig):
    orders_path: InputPath
    customers_path: InputPath
    output_path: OutputPath
    scratch_path: TempPath | None = None
    limit: int = 10


class NeedsAValue(IntakeJobConfig):
    output_path: OutputPath
    region_code: str = Field(description="no default and no location")


def test_every_required_location_is_templated_under_its_role() -> None:
    assert argument_templates(TwoInputs, "sales") == {
        "--TempDir": "{temp}/sales/glue-temp",
        "--orders_path": "{input}/sales/orders",
        "--customers_path": "{input}/sales/customers",
        "--output_path": "{output}/sales/output",
        "--quarantine_path": "{quarantine}/sales/quarantine",
    }


def test_a_required_argument_no_deployment_can_fill_is_an_error() -> None:
    with pytest.raises(ManifestError, match="--region_code: required and not a location"):
        argument_templates(NeedsAValue, "sales")


def test_filling_puts_each_base_in_its_place() -> None:
    templates = {"--a": "{input}/job/a", "--t": "{temp}/job/t"}
    assert fill_arguments(templates, {"input": "s3://raw/", "temp": "s3://tmp/run-7"}) == {
        "--a": "s3://raw/job/a",
        "--t": "s3://tmp/run-7/job/t",
    }
    with pytest.raises(ManifestError, match="no location given for temp"):
        fill_arguments(templates, {"input": "s3://raw"})
    with pytest.raises(ManifestError, match=r"unknown location roles \['raw'\]"):
        fill_arguments(templates, {"input": "s3://raw", "temp": "s3://t", "raw": "s3://x"})


def manifest_in(dist: Path) -> Manifest:
    dist.mkdir()
    (dist / "job.py").write_text("print('job')\n")
    (dist / "job-0.1.0-py3-none-any.whl").write_bytes(b"wheel")
    manifest = Manifest(
        job_name="sales",
        glue_version="5.1",
        version="0.1.0",
        script=Artifact.of(dist / "job.py", "sales"),
        wheel=Artifact.of(dist / "job-0.1.0-py3-none-any.whl", "sales"),
        arguments={"--output_path": "{output}/sales/output"},
    )
    (dist / "manifest.json").write_text(manifest.to_json())
    return manifest


def test_the_manifest_names_each_file_by_content_and_says_how_glue_gets_it(tmp_path: Path) -> None:
    manifest = manifest_in(tmp_path / "dist")
    # printf wheel | sha256sum
    assert manifest.wheel.sha256 == "ba59926159d2aa256eb8739b8da7e2b574b960e1202c6d624cbe981cef996c91"
    assert manifest.wheel.key == f"sales/{manifest.wheel.sha256[:16]}/job-0.1.0-py3-none-any.whl"
    assert manifest.python_modules("s3://artifacts/glue/") == f"s3://artifacts/glue/{manifest.wheel.key}"
    assert manifest.script_location("s3://artifacts") == f"s3://artifacts/{manifest.script.key}"
    assert load_manifest(tmp_path / "dist") == manifest


def test_a_file_changed_after_packaging_is_refused(tmp_path: Path) -> None:
    manifest_in(tmp_path / "dist")
    (tmp_path / "dist" / "job.py").write_text("print('edited')\n")
    with pytest.raises(ManifestError, match="is not the file the manifest names"):
        load_manifest(tmp_path / "dist")
    with pytest.raises(ManifestError, match="make package"):
        load_manifest(tmp_path / "elsewhere")


def test_the_artifact_carries_what_glue_lacks_and_nothing_glue_has() -> None:
    # pydantic 2.12 requires annotated-types, pydantic-core, typing-extensions and typing-inspection.
    pydantic = {"pydantic", "pydantic-core", "annotated-types", "typing-inspection"}
    carried = set(carried_dependencies(PROJECT, ["boto3"], GLUE_PYTHON))
    assert carried == {*pydantic, "typing-extensions"}
    # Glue that ships boto3 ships its dependencies (botocore, jmespath, s3transfer...): none of them is carried.
    with_extensions = carried_dependencies(PROJECT, ["boto3", "typing_extensions"], GLUE_PYTHON)
    assert set(with_extensions) == pydantic
    assert with_extensions["pydantic"] == "2.12.5"


def test_the_runtime_list_is_the_projects_constraints() -> None:
    provided = glue_provided(REPO / "pyproject.toml")
    assert "boto3" in provided
    assert "pydantic" not in provided


def test_the_build_time_comes_from_the_environment_then_git(tmp_path: Path) -> None:
    assert source_date_epoch(tmp_path, {"SOURCE_DATE_EPOCH": "1700000000"}) == 1700000000
    assert source_date_epoch(tmp_path, {}) == ZIP_EPOCH
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("x")
    subprocess.run([*git, "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run(
        [*git, "-C", str(tmp_path), "commit", "--quiet", "-m", "c", "--date", "@1600000000"],
        check=True,
        env={"GIT_COMMITTER_DATE": "@1600000000", "PATH": "/usr/bin:/bin"},
    )
    assert source_date_epoch(tmp_path, {}) == 1600000000


def test_the_same_source_builds_a_byte_identical_wheel_with_the_contracts_inside(tmp_path: Path) -> None:
    uv = find_uv({}, REPO)
    wheels = []
    for name, epoch in [("a", 1700000000), ("b", 1700000000), ("c", 1800000000)]:
        (tmp_path / name).mkdir()
        wheels.append(build_wheel(REPO, tmp_path / name, epoch, uv))
    first, again, later = (wheel.read_bytes() for wheel in wheels)
    assert first == again
    assert later != first  # the epoch is what dates the files
    with zipfile.ZipFile(wheels[0]) as archive:
        names = archive.namelist()
    assert any(name.startswith(f"{PROJECT}/schemas/") and name.endswith((".json", ".avsc")) for name in names)
    assert any(name.startswith(f"{PROJECT}/jobs/") and name.endswith(".json") for name in names)
    assert not [name for name in names if name.startswith((f"{PROJECT}/kit/testing/", f"{PROJECT}/kit/bench/"))]
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    assert "pydantic" in zipfile.ZipFile(wheels[0]).read(metadata).decode()
