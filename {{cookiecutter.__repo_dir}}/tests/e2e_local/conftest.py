"""The local cluster E2E's services: started once for the module's runs, stopped after, pass or fail."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import LocalE2E, environment_paths, local_e2e


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalE2E]:
    dist, venv = environment_paths()
    moto_server = Path(sys.executable).parent / "moto_server"
    with local_e2e(dist, venv, tmp_path_factory.mktemp("e2e-local"), moto_server) as services:
        yield services


@pytest.fixture(scope="session")
def sample_input(e2e: LocalE2E) -> str:
    """The sample data in the raw bucket, where the job's input argument points; its URI."""
    uri = e2e.arguments[f"--{under_test.JOB.input_argument}"]
    e2e.upload(under_test.JOB.sample, uri)
    return uri
