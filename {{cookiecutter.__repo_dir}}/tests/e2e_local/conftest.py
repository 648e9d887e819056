"""The local cluster E2E's services: started once for the module's runs, stopped after, pass or fail."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.io.publish import split_location
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import (
    LocalE2E,
    SubmitResult,
    environment_paths,
    local_e2e,
)


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalE2E]:
    dist, venv = environment_paths()
    moto_server = Path(sys.executable).parent / "moto_server"
    with local_e2e(dist, venv, tmp_path_factory.mktemp("e2e-local"), moto_server) as services:
        yield services


@pytest.fixture(scope="session")
def sample_input(e2e: LocalE2E) -> str:
    """The sample data in the raw bucket, where the job's input argument points, with the sample folder of
    any other declared input that sits beside it (a change feed beside its table); the input's URI."""
    job = under_test.JOB
    uri = e2e.arguments[f"--{job.input_argument}"]
    e2e.upload(job.sample, uri)
    parent, _ = split_location(uri)
    for name in load_job(job.name).inputs:
        beside = job.sample.parent / name
        if name != job.sample.name and beside.is_dir():
            e2e.upload(beside, f"{parent}/{name}")
    return uri


@pytest.fixture(scope="session")
def first_run(e2e: LocalE2E, sample_input: str) -> SubmitResult:
    """The job's first run on the sample data with the arguments Terraform sets, shared by every module that
    checks what such a run writes (one cluster run for all of them)."""
    return e2e.submit("e2e-first", e2e.arguments)
