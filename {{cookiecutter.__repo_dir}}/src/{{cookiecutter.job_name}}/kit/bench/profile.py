"""Where a run's time went, Spark job by Spark job, read from Spark's event log.

A variant run with ``eventlog_env(folder)`` in its environment writes one event log per application into
that folder (both variants create their session with ``SparkSession.builder.getOrCreate()``, which reads
``PYSPARK_SUBMIT_ARGS``). ``read_event_log`` turns a log into one SparkJob per Spark job: its description,
time, stages run and skipped, tasks and bytes moved. Job and stage bookkeeping follows the Spark UI: a
stage counts for every job that was running when it ran, and a stage a job lists but never ran (its
shuffle output or cached data was already there) is skipped.

The fields read (the same in the event logs of Spark 3.3 to 4.1): ``SparkListenerJobStart`` (``Job ID``,
``Submission Time``, ``Stage IDs``, ``Stage Infos`` with ``Stage ID`` and ``Stage Name``, ``Properties``
with ``spark.job.description`` and ``callSite.short``), ``SparkListenerJobEnd`` (``Completion Time``,
``Job Result``), ``SparkListenerStageSubmitted`` and ``SparkListenerStageCompleted`` (``Stage Info`` with
``Number of Tasks``, ``Completion Time`` and the stage's ``Accumulables``: the task metrics
``internal.metrics.input.bytesRead``, ``.shuffle.read.localBytesRead`` plus ``.shuffle.read.remoteBytesRead``
and ``.shuffle.write.bytesWritten``, summed over the stage's successful tasks).
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import markdown_table

SUBMIT_ARGS = "PYSPARK_SUBMIT_ARGS"
# Spark 4 compresses event logs and rolls them into folders by default; a plain file is what this reads.
EVENTLOG_CONF = {
    "spark.eventLog.enabled": "true",
    "spark.eventLog.compress": "false",
    "spark.eventLog.rolling.enabled": "false",
}
INPUT_BYTES = "internal.metrics.input.bytesRead"
SHUFFLE_READ_BYTES = ("internal.metrics.shuffle.read.localBytesRead", "internal.metrics.shuffle.read.remoteBytesRead")
SHUFFLE_WRITE_BYTES = "internal.metrics.shuffle.write.bytesWritten"
SUCCEEDED = "JobSucceeded"
UNFINISHED = "unfinished"
DESCRIPTION_WIDTH = 80


@dataclass(frozen=True)
class SparkJob:
    """One Spark job of an application.

    ``stages`` and ``tasks`` count what ran for this job; ``skipped_stages`` the stages it listed that did
    not need to run. ``input_bytes`` is what its tasks read from files and from cached data; shuffle reads
    are local plus remote. ``result`` is Spark's (``JobSucceeded``, ``JobFailed``) or ``unfinished`` when
    the log ends before the job does (the application died): then ``seconds`` runs to its last completed
    stage.
    """

    job_id: int
    description: str
    seconds: float
    stages: int
    tasks: int
    skipped_stages: int
    shuffle_read_bytes: int
    shuffle_write_bytes: int
    input_bytes: int
    result: str = SUCCEEDED


def eventlog_env(directory: Path) -> dict[str, str]:
    """The environment entries that make a PySpark application write its event log into ``directory``.

    Creates the folder (Spark fails at start-up without it). Keeps what ``PYSPARK_SUBMIT_ARGS`` already
    says; these settings come after it, so they win.
    """
    directory.mkdir(parents=True, exist_ok=True)
    args = shlex.split(os.environ.get(SUBMIT_ARGS, ""))
    if args and args[-1] == "pyspark-shell":
        args = args[:-1]
    conf = {**EVENTLOG_CONF, "spark.eventLog.dir": directory.resolve().as_uri()}
    for key, value in conf.items():
        args += ["--conf", f"{key}={value}"]
    return {SUBMIT_ARGS: shlex.join([*args, "pyspark-shell"])}


def event_logs(directory: Path) -> list[Path]:
    """The event log files in ``directory``, oldest first (one per application run with it)."""
    logs = [path for path in directory.iterdir() if path.is_file() and not path.name.startswith(".")]
    return sorted(logs, key=lambda path: (path.stat().st_mtime, path.name))


@dataclass
class _Job:
    job_id: int
    description: str
    submitted_ms: int
    stage_ids: frozenset[int]
    ended_ms: int | None = None
    result: str = UNFINISHED
    last_stage_ms: int | None = None
    ran: set[int] = field(default_factory=set)
    tasks: int = 0
    shuffle_read: int = 0
    shuffle_write: int = 0
    input: int = 0


def read_event_log(path: Path) -> list[SparkJob]:
    """The Spark jobs of one application's event log, in the order they started.

    A log whose application died (``.inprogress``, maybe cut mid-line) is read as far as it goes.
    """
    if path.suffix in {".lz4", ".lzf", ".snappy", ".zstd"}:
        raise ValueError(f"{path} is compressed: write the event log with eventlog_env (no compression)")
    jobs: dict[int, _Job] = {}
    running: list[_Job] = []
    for event in _events(path):
        kind = event.get("Event")
        if kind == "SparkListenerJobStart":
            job = _job_started(event)
            jobs[job.job_id] = job
            running.append(job)
        elif kind == "SparkListenerStageSubmitted":
            stage_id = event["Stage Info"]["Stage ID"]
            for job in running:
                if stage_id in job.stage_ids:
                    job.ran.add(stage_id)
        elif kind == "SparkListenerStageCompleted":
            _stage_completed(event["Stage Info"], running)
        elif kind == "SparkListenerJobEnd":
            ended = jobs.get(event["Job ID"])
            if ended is not None:
                ended.ended_ms = event["Completion Time"]
                ended.result = event.get("Job Result", {}).get("Result", SUCCEEDED)
                running = [job for job in running if job is not ended]
    return [_finished(job) for job in jobs.values()]


def _events(path: Path) -> Iterator[dict[str, Any]]:
    """The events of a log, one JSON object a line; a last line cut short by a dying application is dropped."""
    with path.open(encoding="utf-8") as file:
        lines = file.read().splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                return
            raise ValueError(f"{path}:{number} is not an event log line") from None
        if isinstance(event, dict):
            yield event


def _job_started(event: dict[str, Any]) -> _Job:
    properties = event.get("Properties") or {}
    stages = sorted(event.get("Stage Infos", []), key=lambda stage: stage["Stage ID"])
    # As the Spark UI names a job: its description, else its call site, else its last (result) stage.
    description = (
        properties.get("spark.job.description")
        or properties.get("callSite.short")
        or (stages[-1]["Stage Name"] if stages else "")
    )
    return _Job(
        job_id=event["Job ID"],
        description=" ".join(str(description).split()),
        submitted_ms=event["Submission Time"],
        stage_ids=frozenset(event.get("Stage IDs", [])),
    )


def _stage_completed(stage: dict[str, Any], running: Sequence[_Job]) -> None:
    metrics = {item.get("Name"): _number(item.get("Value")) for item in stage.get("Accumulables", [])}
    stage_id = stage["Stage ID"]
    for job in running:
        if stage_id not in job.stage_ids:
            continue
        job.ran.add(stage_id)
        job.tasks += stage.get("Number of Tasks", 0)
        job.input += metrics.get(INPUT_BYTES, 0)
        job.shuffle_read += sum(metrics.get(name, 0) for name in SHUFFLE_READ_BYTES)
        job.shuffle_write += metrics.get(SHUFFLE_WRITE_BYTES, 0)
        completed = stage.get("Completion Time")
        if completed is not None:
            job.last_stage_ms = max(completed, job.last_stage_ms or completed)


def _number(value: object) -> int:
    """An accumulator's value: a JSON number, or its text for the ones Spark writes as strings."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return int(value)
    try:
        return int(str(value))
    except ValueError:
        return 0


def _finished(job: _Job) -> SparkJob:
    end = job.ended_ms if job.ended_ms is not None else job.last_stage_ms
    return SparkJob(
        job_id=job.job_id,
        description=job.description,
        seconds=max(0, (end or job.submitted_ms) - job.submitted_ms) / 1000,
        stages=len(job.ran),
        tasks=job.tasks,
        skipped_stages=len(job.stage_ids - job.ran),
        shuffle_read_bytes=job.shuffle_read,
        shuffle_write_bytes=job.shuffle_write,
        input_bytes=job.input,
        result=job.result,
    )


def format_profile(name: str, jobs: list[SparkJob]) -> str:
    """Markdown: ``name``'s Spark jobs in the order they ran, then the totals per description, longest first."""
    total = sum(job.seconds for job in jobs)
    job_lines = [
        [
            str(job.job_id),
            _description(job.description) + ("" if job.result == SUCCEEDED else f" ({job.result})"),
            f"{job.seconds:.2f}",
            str(job.stages),
            str(job.skipped_stages),
            str(job.tasks),
            _bytes(job.input_bytes),
            _bytes(job.shuffle_read_bytes),
            _bytes(job.shuffle_write_bytes),
        ]
        for job in jobs
    ]
    by_description: dict[str, list[SparkJob]] = {}
    for job in jobs:
        by_description.setdefault(job.description, []).append(job)
    ranked = sorted(by_description.items(), key=lambda item: (-sum(job.seconds for job in item[1]), item[0]))
    total_lines = [
        [
            _description(description),
            str(len(group)),
            f"{sum(job.seconds for job in group):.2f}",
            format(sum(job.seconds for job in group) / total, ".0%") if total else "-",
            str(sum(job.stages for job in group)),
            str(sum(job.skipped_stages for job in group)),
            str(sum(job.tasks for job in group)),
            _bytes(sum(job.input_bytes for job in group)),
            _bytes(sum(job.shuffle_read_bytes for job in group)),
            _bytes(sum(job.shuffle_write_bytes for job in group)),
        ]
        for description, group in ranked
    ]
    moved = ("input", "shuffle read", "shuffle write")
    return "\n".join(
        [
            f"### {name}: {len(jobs)} Spark jobs, {total:.2f} s in all",
            "",
            markdown_table(
                ("job", "description", "s", "stages", "skipped", "tasks", *moved), job_lines, text_columns={1}
            ),
            "",
            f"Per description, longest first ({name}):",
            "",
            markdown_table(
                ("description", "jobs", "s", "share", "stages", "skipped", "tasks", *moved),
                total_lines,
                text_columns={0},
            ),
        ]
    )


def _description(text: str) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= DESCRIPTION_WIDTH else text[: DESCRIPTION_WIDTH - 3] + "..."


def _bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    size = count / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"
