"""The recovery pattern in the repo's job: a run that fails at any write step, then a rerun, gives the clean run's
tables, with no duplicate and nothing left over; a reader never sees half a table; a late input stops the run.

Each failure is injected around the kit's own functions (staging an output, swapping a table in, deleting the
publish journal), as a Glue retry after a lost executor or a killed driver would meet it. The rerun is an
ordinary run, as ``max_retries`` makes it. Expected tables are the clean run's, row for row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.kit import steps
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.io import publish
from {{ cookiecutter.job_name }}.kit.patterns.recovery import StaleInputError
from {{ cookiecutter.job_name }}.kit.testing.data import age_files

from .{{ cookiecutter.__job_module }}_under_test import JOB

HOUR = 3600


class InjectedError(RuntimeError):
    """The failure a test injects."""


@dataclass(frozen=True)
class Place:
    root: Path
    raw: Path

    @property
    def output(self) -> Path:
        return self.root / "output"

    def run(self, spark: SparkSession, *extra: str) -> None:
        JOB.run(spark, self.raw, self.output, self.root / "quarantine", *extra)

    def tables(self, spark: SparkSession) -> dict[str, list[str]]:
        """Every output's rows, as sorted text: equal for the same rows in any order and any file split."""
        return {
            name: sorted(map(repr, spark.read.parquet(str(JOB.table(self.output, name))).collect()))
            for name in JOB.outputs
        }

    def leftovers(self) -> list[str]:
        """Beside each table, anything but its one published version: staging, an old version, a journal."""
        found = []
        for name in JOB.outputs:
            table = JOB.table(self.output, name)
            area = table.parent / f".{table.name}.versions"
            current = table.resolve().name if table.is_symlink() else None
            found += [f"{area.name}/{entry.name}" for entry in sorted(area.iterdir()) if entry.name != current]
        return found


def place(root: Path) -> Place:
    return Place(root, JOB.copy_sample(root))


def fail_on_call(target: Any, attribute: str, call: Callable[[int], bool]) -> Callable[..., Any]:
    """``target.attribute`` that raises InjectedError on the calls ``call`` picks (counting from 1)."""
    original = getattr(target, attribute)
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if call(calls):
            raise InjectedError(f"injected: {attribute} call {calls}")
        return original(*args, **kwargs)

    return failing


OUTPUTS = len(load_job(JOB.name).outputs)
# Where a run can fail while writing, and how to make it fail there.
FAILURES: dict[str, tuple[Any, str, Callable[[int], bool]]] = {
    # The last output's staging: every other output is staged, nothing is published.
    "while staging the last output": (steps, "_stage", lambda call: call == OUTPUTS),
    # Some tables swapped in, the others not: the journal is there for the next write. (A job with one
    # output fails its only swap, with the journal written.)
    "between two tables' swaps": (publish.LocalPublisher, "swap", lambda call: call == max(OUTPUTS - 1, 1)),
    # Every table swapped in, the journal not yet deleted.
    "after every swap, before the journal goes": (publish.LocalPublisher, "delete_journal", lambda call: call == 1),
}


@contextmanager
def polling(table: Path) -> Iterator[list[int]]:
    """A reader polling ``table`` while the block runs: the row count of every read that completed."""
    counts: list[int] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                counts.append(pq.read_table(str(table)).num_rows)
            except (FileNotFoundError, OSError):
                continue  # a version deleted under a read in progress: the read fails, never returns half

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield counts
    finally:
        stop.set()
        thread.join(timeout=10)


# The output a reader polls during each rerun (one with its rows counted by hand).
POLLED = next(iter(JOB.rows))


@dataclass(frozen=True)
class Retried:
    """After each failure and its rerun: the tables and what is left beside them; what a reader polling
    ``POLLED`` read during the reruns."""

    clean: dict[str, list[str]]
    failed: dict[str, str]
    tables: dict[str, dict[str, list[str]]]
    leftovers: dict[str, list[str]]
    reads: list[int]


@pytest.fixture(scope="module")
def retried(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Retried:
    """A clean run, then, one after the other, a run failed at each write step and its ordinary rerun (as a
    Glue retry makes it), each on what the last one left. A reader polls a table during each rerun (two of them
    also finish a publish their failed run left half done)."""
    runs = place(tmp_path_factory.mktemp("recovery"))
    runs.run(spark)
    assert runs.leftovers() == []
    clean = runs.tables(spark)
    failed, tables, leftovers = {}, {}, {}
    reads: list[int] = []
    for where, (target, attribute, call) in FAILURES.items():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(target, attribute, fail_on_call(target, attribute, call))
            with pytest.raises(InjectedError) as raised:
                runs.run(spark)
        failed[where] = str(raised.value)
        with polling(JOB.table(runs.output, POLLED)) as counts:
            runs.run(spark)
        reads += counts
        tables[where], leftovers[where] = runs.tables(spark), runs.leftovers()
    return Retried(clean, failed, tables, leftovers, reads)


@pytest.mark.parametrize("where", list(FAILURES))
def test_a_rerun_after_a_failure_gives_the_clean_runs_tables_and_leaves_nothing(retried: Retried, where: str) -> None:
    assert retried.failed[where].startswith("injected:")
    assert retried.tables[where] == retried.clean
    assert retried.leftovers[where] == []


def test_a_reader_polling_during_a_rerun_sees_the_whole_table_every_time(retried: Retried) -> None:
    assert len(retried.reads) > 10, "the reader hardly read while the job wrote"
    assert set(retried.reads) == {JOB.rows[POLLED]}


def test_a_late_input_stops_the_run_before_anything_is_written(spark: SparkSession, tmp_path: Path) -> None:
    late = place(tmp_path)
    age_files(late.raw, 48 * HOUR)
    with pytest.raises(StaleInputError, match="older than --max_input_age_hours 36 allows"):
        late.run(spark, "--max_input_age_hours", "36")
    assert not late.output.exists()


def test_the_declared_fresh_inputs_are_inputs_of_the_job() -> None:
    declaration = load_job(JOB.name)
    fresh = declaration.settings_for("recovery")["fresh_inputs"]
    assert fresh
    assert set(fresh) <= set(declaration.inputs)
