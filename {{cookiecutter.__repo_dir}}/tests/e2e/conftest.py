"""The AWS E2E's fixtures: skipped unless asked for (E2E=1 and credentials that answer STS; see
``kit/testing/aws_e2e.py`` for every setting), then one prefix per test, emptied when it ends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import (
    AwsE2E,
    RunPlace,
    RunReport,
    open_aws_e2e,
    resolve_region,
    skip_reason,
)

# The region the template was rendered for; E2E_REGION, AWS_REGION or AWS_DEFAULT_REGION win over it.
DEFAULT_REGION = "{{ cookiecutter.aws_region }}"
REPORTS: list[RunReport] = []


@pytest.fixture(scope="session")
def aws_e2e() -> AwsE2E:
    """Checked once per session: the skip, the settings, the deployed job and the artifact's upload."""
    reason = skip_reason(os.environ, resolve_region(os.environ, DEFAULT_REGION))
    if reason:
        pytest.skip(reason)
    e2e = open_aws_e2e(os.environ, Path(os.environ.get("DIST", "dist")).resolve(), DEFAULT_REGION)
    e2e.reports = REPORTS
    return e2e


@pytest.fixture
def e2e_run(aws_e2e: AwsE2E, request: pytest.FixtureRequest) -> Iterator[RunPlace]:
    with aws_e2e.isolated_run(request.node.name) as place:
        yield place


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORTS:
        terminalreporter.section("Glue runs: time and cost")
        for report in REPORTS:
            terminalreporter.line(report.describe())
        known = [report.cost for report in REPORTS if report.cost is not None]
        terminalreporter.line(f"total: {sum(known):.4f} USD over {len(REPORTS)} runs")
