"""The local cluster E2E's services: started once for the module's runs, stopped after, pass or fail."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from {{ cookiecutter.job_name }}.kit.io.publish import split_location
from {{ cookiecutter.job_name }}.kit.testing.local_e2e import (
    LocalE2E,
    SubmitResult,
    environment_paths,
    local_e2e,
    tail,
)

# A pattern's E2E module that only needs a run with some arguments of its own defines
# ``run_arguments(base) -> {argument: value}``; one run with every collected module's arguments serves them all.
RunArguments = Callable[[Mapping[str, str]], Mapping[str, str]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A module that changes what the others look at (``RUNS_LAST = True``) runs after them, in file order."""
    items.sort(key=lambda item: bool(getattr(getattr(item, "module", None), "RUNS_LAST", False)))


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
    for name, folder in job.samples_beside.items():
        e2e.upload(folder, f"{parent}/{name}")
    return uri


@pytest.fixture(scope="session")
def first_run(e2e: LocalE2E, sample_input: str) -> SubmitResult:
    """The job's first run on the sample data with the arguments Terraform sets, shared by every module that
    checks what such a run writes (one cluster run for all of them)."""
    return e2e.submit("e2e-first", e2e.arguments)


@dataclass(frozen=True)
class PatternsRun:
    """The run the pattern modules share: its arguments (its own ``--output_path``) and its result."""

    arguments: dict[str, str]
    result: SubmitResult

    @property
    def output(self) -> str:
        return self.arguments["--output_path"]


@pytest.fixture(scope="session")
def patterns_run(request: pytest.FixtureRequest, e2e: LocalE2E, sample_input: str) -> PatternsRun:
    """One run for every collected pattern module that asks for arguments (``run_arguments``), beside the main
    E2E's tables: a cluster run per pattern would cost the same again each. A module that changes the tables
    afterwards (the reprocessing pattern's rebuild of one date) takes what it compares with first."""
    arguments = {**e2e.arguments, "--output_path": e2e.arguments["--output_path"] + "-patterns"}
    modules = {item.module for item in request.session.items if isinstance(item, pytest.Function)}
    for module in sorted(modules, key=lambda each: each.__name__):
        ask: RunArguments | None = getattr(module, "run_arguments", None)
        if ask is None:
            continue
        for name, value in ask(arguments).items():
            if arguments.get(name, value) != value:
                raise AssertionError(f"{module.__name__} wants {name}={value}, another module {arguments[name]}")
            arguments[name] = value
    result = e2e.submit("e2e-patterns", arguments)
    assert result.returncode == 0, f"the job failed ({result.seconds:.0f} s):\n{tail(result.output)}"
    return PatternsRun(arguments, result)
