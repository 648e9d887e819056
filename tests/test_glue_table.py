"""The ``_glue`` runtime table in cookiecutter.json agrees with the documented Glue runtimes."""

from __future__ import annotations

from pathlib import Path

import pytest
from bakery import ROOT, load_module, template_config

sync = load_module(ROOT / "scripts" / "sync_glue_runtimes.py")
GLUE_RUNTIME_LISTS = ROOT.parent / "shared" / "glue-runtime"

# Written out from the AWS Glue release notes (see the Glue versions table in the reference).
RUNTIMES = {
    "5.1": {"python": "3.11", "spark": "3.5.6", "awsglue": "5.1.0"},
    "6.0": {"python": "3.13", "spark": "4.1.1", "awsglue": "6.0.0"},
    "5.0": {"python": "3.11", "spark": "3.5.4", "awsglue": "5.0.0"},
    "4.0": {"python": "3.10", "spark": "3.3.0", "awsglue": ""},
}


def test_glue_version_choices_are_the_table_keys() -> None:
    config = template_config()
    assert config["glue_version"] == list(config["_glue"])
    assert set(config["_glue"]) == set(RUNTIMES)


def test_recommended_version_is_the_default() -> None:
    assert template_config()["glue_version"][0] == "5.1"


@pytest.mark.parametrize("version", list(RUNTIMES))
def test_runtime_row_matches_the_release_notes(version: str) -> None:
    row = template_config()["_glue"][version]
    assert {key: row[key] for key in RUNTIMES[version]} == RUNTIMES[version]


@pytest.mark.parametrize("version", list(RUNTIMES))
def test_constraints_are_exact_pins_without_pyspark(version: str) -> None:
    constraints = template_config()["_glue"][version]["constraints"]
    assert constraints, "every version pins at least boto3"
    assert all(pin.count("==") == 1 for pin in constraints), constraints
    names = [pin.partition("==")[0].lower() for pin in constraints]
    assert len(names) == len(set(names)), "one pin per package"
    # pyspark is pinned from the row's "spark" field; a second pin could only disagree.
    assert "pyspark" not in names


@pytest.mark.skipif(not GLUE_RUNTIME_LISTS.is_dir(), reason="AWS requirement lists are not beside the repo")
@pytest.mark.parametrize("version", ["5.1", "6.0", "5.0"])
def test_constraints_equal_the_aws_requirement_list(version: str) -> None:
    source: Path = GLUE_RUNTIME_LISTS / f"glue-{version}-requirements.txt"
    assert template_config()["_glue"][version]["constraints"] == sync.read_requirements(source)


def test_glue_4_pins_the_aws_sdk_of_the_5_0_line() -> None:
    # AWS publishes no list for 4.0; the row documents that it reuses 5.0's boto3 line.
    glue = template_config()["_glue"]
    sdk = {"boto3", "botocore", "s3transfer"}
    from_5_0 = [pin for pin in glue["5.0"]["constraints"] if pin.partition("==")[0] in sdk]
    assert glue["4.0"]["constraints"] == from_5_0
