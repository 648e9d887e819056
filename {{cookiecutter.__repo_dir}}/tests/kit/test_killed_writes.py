"""A write killed at any step leaves each table as the last run left it or as the new run made it.

Each test runs a write of two tables in a subprocess, in a process group of its own, and kills the whole
group with SIGKILL (the Spark JVM would outlive its Python parent otherwise): while the second table is
being staged, after every table is staged but before any is published, and between the two swaps of the
publish. What a reader sees is checked right after the kill, after the next write (which fails its
output check, so only its start runs: roll-forward and clean-up), and after a rerun.

This file is also the subprocess: run as a script, it writes the tables as the spec in ``argv[1]`` says,
with the kill the spec asks for set up on this side, around the kit's functions.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql.types import DateType, IntegerType, StringType, StructField, StructType

import {{ cookiecutter.job_name }}
from {{ cookiecutter.job_name }}.kit import steps
from {{ cookiecutter.job_name }}.kit.args import JobConfig
from {{ cookiecutter.job_name }}.kit.contracts.compliance import ContractViolationError
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.io import publish
from {{ cookiecutter.job_name }}.kit.io.writers import write_table
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage, declared_package
from {{ cookiecutter.job_name }}.kit.testing.frames import frame

JOB = "two_tables"
SCHEMAS = {
    "dim_a": StructType([StructField("id", IntegerType(), False), StructField("name", StringType(), True)]),
    "fact_b": StructType(
        [StructField("id", IntegerType(), False), StructField("day", DateType(), False, {"partition_key": True})]
    ),
}
SOURCE = StructType([StructField("id", IntegerType(), True)])
Rows = dict[str, list[tuple[Any, ...]]]
OLD: Rows = {
    "dim_a": [(1, "old-1"), (2, "old-2")],
    "fact_b": [(1, date(2024, 1, 1)), (2, date(2024, 1, 2))],
}
# Every old partition of fact_b is gone from the new rows: the rebuild must drop them.
NEW: Rows = {
    "dim_a": [(1, "new-1"), (3, "new-3")],
    "fact_b": [(3, date(2024, 1, 3)), (4, date(2024, 1, 3)), (5, date(2024, 1, 4))],
}
# A null id breaks both contracts: a write of these fails its output check, after its start.
BAD: Rows = {"dim_a": [(None, "bad")], "fact_b": [(None, date(2024, 1, 5))]}
ROWS = {"old": OLD, "new": NEW, "bad": BAD}
SPARK_OPTIONS = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Duser.timezone=UTC",
}


def paths(output: Path) -> dict[str, str]:
    return {name: str(output / name) for name in SCHEMAS}


def write(spark: SparkSession, rows: str, output: Path, run_id: str) -> None:
    tables = {name: frame(spark, schema, ROWS[rows][name]) for name, schema in SCHEMAS.items()}
    config = JobConfig.model_validate({"JOB_NAME": JOB, "JOB_RUN_ID": run_id})
    steps.write_outputs(load_job(JOB), tables, paths(output), config)


# --- The subprocess: one write, killed where the spec says ---------------------------------------------------


def kill_my_group() -> None:
    os.killpg(os.getpgrp(), signal.SIGKILL)


def hold_when_written(df: DataFrame, marker: str) -> DataFrame:
    """``df``, through a task that signs in at ``marker`` (its process group) and then waits to be killed."""

    def sign_in_and_wait(rows: Iterable[Row]) -> Iterable[Row]:
        Path(marker).write_text(str(os.getpgrp()))
        time.sleep(600)
        return rows

    return df.sparkSession.createDataFrame(df.rdd.mapPartitions(sign_in_and_wait), df.schema)


def set_up_kill(kill: str, marker: str, patch: pytest.MonkeyPatch) -> None:
    """``during-staging:<table>``, ``before-publish`` or ``before-swap:<table path>``."""
    where, _, what = kill.partition(":")
    if where == "during-staging":

        def write_held(df: DataFrame, path: str, **options: Any) -> None:
            write_table(hold_when_written(df, marker) if f"/.{what}.versions/" in path else df, path, **options)

        patch.setattr(steps, "write_table", write_held)
    elif where == "before-publish":
        patch.setattr(publish.Publication, "publish", lambda self: kill_my_group())
    elif where == "before-swap":
        replace = os.replace

        def replace_unless_swapping(source: Any, target: Any) -> None:
            if os.fspath(target) == what:
                kill_my_group()
            replace(source, target)

        patch.setattr(os, "replace", replace_unless_swapping)
    else:
        raise ValueError(f"unknown kill {kill!r}")


def drive(spec: Mapping[str, str]) -> None:
    builder = SparkSession.builder.master("local[1]").appName("killed-write")
    for key, value in SPARK_OPTIONS.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    with pytest.MonkeyPatch.context() as patch, declared_package(Path(spec["declared"])):
        set_up_kill(spec["kill"], spec["marker"], patch)
        write(spark, "new", Path(spec["output"]), "killed")
    print("the write finished: it was not killed", file=sys.stderr)
    sys.exit(3)


# --- The tests -------------------------------------------------------------------------------------------------


@pytest.fixture
def two_tables(declared: DeclaredPackage) -> DeclaredPackage:
    for name, schema in SCHEMAS.items():
        declared.contract(name, schema)
    declared.contract("source", SOURCE)
    declared.job(
        JOB,
        {
            "inputs": {"source": {"format": "csv", "policy": "fail", "why": "not read here"}},
            "outputs": {name: {"format": "parquet"} for name in SCHEMAS},
        },
    )
    return declared


def living(group: int) -> list[int]:
    """The processes of ``group`` still running (a zombie has exited; only its parent has to reap it)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        return [group]
    found = []
    for stat in proc.glob("[0-9]*/stat"):
        try:
            state, _, process_group = stat.read_text().rpartition(")")[2].split()[:3]
        except (OSError, ValueError):
            continue  # it exited while we looked
        if int(process_group) == group and state != "Z":
            found.append(int(stat.parent.name))
    return found


def kill_groups(*groups: int) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


def killed_write(two_tables: DeclaredPackage, output: Path, kill: str, tmp_path: Path) -> None:
    """Run the write of NEW in a subprocess and see it killed as ``kill`` says; no process of it survives."""
    marker = tmp_path / "held"
    spec = {"kill": kill, "marker": str(marker), "declared": str(two_tables.root), "output": str(output)}
    source = Path({{ cookiecutter.job_name }}.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, __file__, json.dumps(spec)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    groups = [process.pid]
    try:
        if kill.startswith("during-staging:"):
            deadline = time.monotonic() + 180
            while not marker.exists() or not marker.read_text():
                assert process.poll() is None, f"the write ended before it was held: {process.stderr.read()}"  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the write never reached the held table"
                time.sleep(0.05)
            groups.append(int(marker.read_text()))  # the Python worker's group: Spark gives it one of its own
            table = kill.partition(":")[2]
            # The held task is part of the write: the table's staging folder is there, half written.
            assert [path.name for path in (output / f".{table}.versions").iterdir() if path.name.startswith("killed-")]
            kill_groups(*groups)
        _, errors = process.communicate(timeout=180)
        assert process.returncode == -signal.SIGKILL, errors
    finally:
        kill_groups(*groups)
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(living(group) for group in groups) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [living(group) for group in groups] == [[] for _ in groups], "a process of the killed write is running"


def read(spark: SparkSession, output: Path) -> Rows:
    return {name: sorted(tuple(row) for row in spark.read.parquet(str(output / name)).collect()) for name in SCHEMAS}


def versions(output: Path) -> dict[str, list[str]]:
    """What each table's versions folder holds, as run ids (a version is ``<run id>-<random>``)."""
    return {
        name: sorted(entry.name.rpartition("-")[0] for entry in (output / f".{name}.versions").iterdir())
        for name in SCHEMAS
    }


def assert_clean(output: Path, run_id: str) -> None:
    """Each table is a link to its one version, of run ``run_id``; nothing else is left, at any depth."""
    assert sorted(os.listdir(output)) == [".dim_a.versions", ".fact_b.versions", "dim_a", "fact_b"]
    for name in SCHEMAS:
        (version,) = os.listdir(output / f".{name}.versions")
        assert version.startswith(f"{run_id}-")
        assert os.readlink(output / name) == f".{name}.versions/{version}"
    leftovers = [
        os.path.join(folder, entry)
        for folder, folders, files in os.walk(output)
        for entry in folders + files
        if entry.startswith((".spark-staging", "_temporary", ".link-", ".journal", ".migrated"))
    ]
    assert leftovers == []


def next_writes(
    spark: SparkSession, output: Path, caplog: pytest.LogCaptureFixture, *, then: Rows, published_by: str
) -> list[str]:
    """The write after the kill fails its output check: only its start runs. A reader then sees ``then``,
    published by run ``published_by``, and nothing else is left. A rerun of NEW then publishes exactly NEW.
    Returns what the publish module warned about, with the random part of version names as ``*``."""
    with caplog.at_level(logging.WARNING, logger=publish.__name__), pytest.raises(ContractViolationError):
        write(spark, "bad", output, "failing")
    assert read(spark, output) == then
    assert_clean(output, published_by)
    write(spark, "new", output, "rerun")
    assert read(spark, output) == NEW
    assert_clean(output, "rerun")
    return [
        re.sub(r"-[0-9a-f]{8}\b", "-*", record.getMessage())
        for record in caplog.records
        if record.name == publish.__name__
    ]


@pytest.fixture
def output(spark: SparkSession, two_tables: DeclaredPackage, tmp_path: Path) -> Path:
    """The two tables as a first run wrote them, with OLD."""
    folder = tmp_path / "output"
    write(spark, "old", folder, "first")
    assert read(spark, folder) == OLD
    return folder


def test_killed_while_staging_a_table_leaves_every_table_as_it_was(
    spark: SparkSession, two_tables: DeclaredPackage, output: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    killed_write(two_tables, output, "during-staging:fact_b", tmp_path)

    assert read(spark, output) == OLD
    # dim_a was staged in full, fact_b in part: both are left beside the published versions.
    assert versions(output) == {"dim_a": ["first", "killed"], "fact_b": ["first", "killed"]}
    assert next_writes(spark, output, caplog, then=OLD, published_by="first") == [
        f"removed what killed runs left beside {output / 'dim_a'}: killed-*",
        f"removed what killed runs left beside {output / 'fact_b'}: killed-*",
    ]


def test_killed_after_staging_before_publishing_leaves_every_table_as_it_was(
    spark: SparkSession, two_tables: DeclaredPackage, output: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    killed_write(two_tables, output, "before-publish", tmp_path)

    assert read(spark, output) == OLD
    assert versions(output) == {"dim_a": ["first", "killed"], "fact_b": ["first", "killed"]}
    assert next_writes(spark, output, caplog, then=OLD, published_by="first") == [
        f"removed what killed runs left beside {output / 'dim_a'}: killed-*",
        f"removed what killed runs left beside {output / 'fact_b'}: killed-*",
    ]


def test_killed_between_two_swaps_is_rolled_forward_by_the_next_write(
    spark: SparkSession, two_tables: DeclaredPackage, output: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    killed_write(two_tables, output, f"before-swap:{output / 'fact_b'}", tmp_path)

    # dim_a is published and fact_b not yet: each table is whole, one from each run.
    assert read(spark, output) == {"dim_a": NEW["dim_a"], "fact_b": OLD["fact_b"]}
    assert (output / ".dim_a.versions" / publish.JOURNAL).is_file()
    assert next_writes(spark, output, caplog, then=NEW, published_by="killed") == [
        f"the publish of killed-* was interrupted; finishing it: {output / 'dim_a'}, {output / 'fact_b'}",
        # The versions the killed run had published over, which it did not live to delete.
        f"removed what killed runs left beside {output / 'dim_a'}: first-*",
        # ... and the new link it had made for fact_b, not yet renamed over the old one.
        f"removed what killed runs left beside {output / 'fact_b'}: .link-*, first-*",
    ]


if __name__ == "__main__":
    drive(json.loads(sys.argv[1]))
