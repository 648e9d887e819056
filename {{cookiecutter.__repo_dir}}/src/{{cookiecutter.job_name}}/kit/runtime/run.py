"""The run in progress: what a cookbook pattern needs to take part in the job's lifecycle.

``kit/handler.run_job`` opens one ``ActiveRun`` around the pipeline. A pattern that keeps state between
runs (the bookmarks pattern's local store) registers what to do when the run commits and when it fails;
the handler calls them after ``JobRuntime.commit`` on success, and instead of it on failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from .base import JobRuntime

LOG = logging.getLogger(__name__)
_ACTIVE: ContextVar[ActiveRun | None] = ContextVar("active_run", default=None)


@dataclass
class ActiveRun:
    """One run of a job: its runtime, name and id, and the state patterns keep for it (``state``, by pattern)."""

    runtime: JobRuntime
    job_name: str
    run_id: str
    state: dict[str, Any] = field(default_factory=dict)
    _on_commit: list[Callable[[], None]] = field(default_factory=list)
    _on_abort: list[Callable[[], None]] = field(default_factory=list)

    def on_end(self, commit: Callable[[], None], abort: Callable[[], None]) -> None:
        """Call ``commit`` once the run has succeeded and the runtime committed, ``abort`` if it fails."""
        self._on_commit.append(commit)
        self._on_abort.append(abort)

    def commit(self) -> None:
        for action in self._on_commit:
            action()

    def abort(self) -> None:
        """Every ``abort``, each one whatever the others do: a failing one is logged, not raised over the
        run's own error."""
        for action in self._on_abort:
            try:
                action()
            except Exception:
                LOG.exception("job %s: cleaning up after the failed run failed too", self.job_name)


def current_run() -> ActiveRun | None:
    """The run ``kit/handler.run_job`` has open, or None outside one (a test calling a pipeline directly)."""
    return _ACTIVE.get()


@contextmanager
def running(runtime: JobRuntime, job_name: str, run_id: str) -> Iterator[ActiveRun]:
    """Make a run the current one for the duration of the block."""
    run = ActiveRun(runtime, job_name, run_id)
    token = _ACTIVE.set(run)
    try:
        yield run
    finally:
        _ACTIVE.reset(token)
