"""The benchmark harness (``kit/bench``): measuring runs, interleaving rounds, the result table, comparing
outputs and reading Spark's event log.

Runs are real subprocesses; the event log comes from a small Spark application run in a subprocess of its
own (the tests' shared SparkSession is never reconfigured).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import (
    DateType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)

from {{ cookiecutter.job_name }}.kit.bench import harness, profile
from {{ cookiecutter.job_name }}.kit.bench.harness import Measurement, Variant

MIB = 1024**2
GIB = 1024**3

# -- measure ----------------------------------------------------------------------------------------------

# The child only waits for the grandchild, which holds 200 MiB for a second: the peak must include it.
GRANDCHILD = "import time\nblock = b'x' * (200 * 1024 * 1024)\ntime.sleep(1.0)\n"
CHILD = (
    "import os, subprocess, sys\n"
    "print('marker', os.environ['BENCH_MARKER'], 'PATH' in os.environ, flush=True)\n"
    "subprocess.run([sys.executable, '-c', sys.argv[1]], check=True)\n"
)


def test_measure_sums_the_memory_of_the_whole_process_tree(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.log"

    seconds, peak = harness.measure(
        [sys.executable, "-c", CHILD, GRANDCHILD], env={"BENCH_MARKER": "on"}, log_path=log, interval=0.05
    )

    assert 200 * MIB <= peak < 400 * MIB
    assert 1.0 <= seconds < 10.0
    # The environment is added to this process's, not put in its place.
    assert log.read_text() == "marker on True\n"


def test_a_failing_run_names_the_command_its_exit_code_and_the_end_of_its_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; [print('line', i) for i in range(50)]; sys.exit(3)"]

    with pytest.raises(harness.BenchmarkError) as failure:
        harness.measure(argv, log_path=tmp_path / "fail.log")

    message = str(failure.value)
    first, *rest = message.splitlines()
    assert first == f"{shlex.join(argv)} failed with exit code 3; the last lines of {tmp_path / 'fail.log'}:"
    assert rest == [f"    line {i}" for i in range(20, 50)]


def test_a_command_that_cannot_start_is_a_benchmark_error(tmp_path: Path) -> None:
    with pytest.raises(harness.BenchmarkError, match="cannot start"):
        harness.measure([str(tmp_path / "no-such-program")], log_path=tmp_path / "x.log")


# -- run_interleaved --------------------------------------------------------------------------------------

# A fake variant: copies its input into a fresh output folder and notes what ran, in order.
# It stays up a quarter of a second, so the memory sampler (every 0.1 s) sees it even on a loaded machine.
FAKE_VARIANT = (
    "import pathlib, sys, time\n"
    "name, source, target, order = sys.argv[1:]\n"
    "out = pathlib.Path(target)\n"
    "assert not out.exists() and out.parent.is_dir()\n"
    "(out / 'table').mkdir(parents=True)\n"
    "(out / 'table' / 'part-0').write_text(pathlib.Path(source, 'input.txt').read_text())\n"
    "with open(order, 'a') as notes:\n"
    "    notes.write(f'{out.parent.parent.name} {name} {out.name}\\n')\n"
    "time.sleep(0.25)\n"
)


def _fake_variant(name: str, order: Path) -> Variant:
    return Variant(
        name, lambda source, target: [sys.executable, "-c", FAKE_VARIANT, name, str(source), str(target), str(order)]
    )


def test_rounds_alternate_the_order_count_no_warmup_and_keep_only_the_last_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    order = tmp_path / "order.txt"
    sizes = {}
    for size in ("small", "large"):
        sizes[size] = tmp_path / "inputs" / size
        sizes[size].mkdir(parents=True)
        (sizes[size] / "input.txt").write_text(f"{size} input")
    work = tmp_path / "work"
    stale = work / "small" / "A" / "run-7"  # from an earlier benchmark with more runs
    stale.mkdir(parents=True)

    measurements = harness.run_interleaved(
        [_fake_variant("A", order), _fake_variant("B", order)], sizes, runs=3, warmup=1, work_dir=work
    )

    one_size = ["A warmup-1", "B warmup-1", "B run-1", "A run-1", "A run-2", "B run-2", "B run-3", "A run-3"]
    assert order.read_text().splitlines() == [f"{size} {run}" for size in ("small", "large") for run in one_size]
    assert [(m.size, m.variant, m.run) for m in measurements] == [
        (size, variant, run)
        for size in ("small", "large")
        for variant, run in [("B", 1), ("A", 1), ("A", 2), ("B", 2), ("B", 3), ("A", 3)]
    ]
    for m in measurements:
        assert m.output_dir == work / m.size / m.variant / f"run-{m.run}"
        assert 0 < m.seconds < 10
        assert m.peak_rss_bytes > 0
    for size in ("small", "large"):
        for variant in ("A", "B"):
            kept = sorted(path.name for path in (work / size / variant).iterdir())
            assert kept == ["run-1.log", "run-2.log", "run-3", "run-3.log", "warmup-1.log"]
            assert (work / size / variant / "run-3" / "table" / "part-0").read_text() == f"{size} input"
    progress = capsys.readouterr().err.splitlines()
    assert len(progress) == 16
    assert progress[0].startswith("[small] warmup-1 A: ")
    assert progress[-1].startswith("[large] run-3 A: ")


def test_rounds_need_at_least_one_counted_run_and_distinct_names(tmp_path: Path) -> None:
    variant = _fake_variant("A", tmp_path / "order.txt")
    with pytest.raises(ValueError, match="runs must be at least 1"):
        harness.run_interleaved([variant], {"s": tmp_path}, runs=0, warmup=0, work_dir=tmp_path)
    with pytest.raises(ValueError, match="unique: A"):
        harness.run_interleaved([variant, variant], {"s": tmp_path}, runs=1, warmup=0, work_dir=tmp_path)
    with pytest.raises(ValueError, match="cannot be a folder name"):
        harness.run_interleaved([variant], {"a/b": tmp_path}, runs=1, warmup=0, work_dir=tmp_path)


# -- summarise and format_table ---------------------------------------------------------------------------


def _write_files(table: Path, *names: str) -> None:
    for name in names:
        (table / name).parent.mkdir(parents=True, exist_ok=True)
        (table / name).write_text("data")


def test_summary_medians_ratios_spreads_peaks_and_files(tmp_path: Path) -> None:
    job_out, ref_out = tmp_path / "job" / "run-3", tmp_path / "ref" / "run-3"
    _write_files(job_out / "dim_a", "part-0", "part-1", "_SUCCESS")
    _write_files(job_out / "fact_b", "day=1/part-0", "day=2/part-0", "day=2/part-1", "day=2/.part-1.crc")
    _write_files(ref_out / "dim_a", "part-0")
    gone = tmp_path / "deleted"
    measurements = [
        Measurement("job", "s", 1, 10.0, 1 * GIB, gone),
        Measurement("hand-written", "s", 1, 5.0, GIB // 2, gone),
        Measurement("hand-written", "s", 2, 6.0, GIB // 4, gone),
        Measurement("job", "s", 2, 12.0, 2 * GIB, gone),
        Measurement("job", "s", 3, 11.0, 3 * GIB // 2, job_out),
        Measurement("hand-written", "s", 3, 4.0, 3 * GIB // 4, ref_out),
    ]

    rows = harness.summarise(measurements, baseline="hand-written", tables=["dim_a", "fact_b"])

    assert rows == [
        # Per-round ratios 10/5, 12/6 and 11/4; the median ratio is 11 / 5.
        harness.Row("s", "job", 11.0, 10.0, 12.0, 2.2, 2.0, 2.75, 2 * GIB, {"dim_a": 2, "fact_b": 3}),
        harness.Row("s", "hand-written", 5.0, 4.0, 6.0, 1.0, 1.0, 1.0, 3 * GIB // 4, {"dim_a": 1}),
    ]
    assert harness.format_table(rows, ["dim_a", "fact_b"]) == (
        "| size | variant      | median s |   min-max s |  ratio (min-max) | peak memory GiB | files per table   |\n"
        "| ---- | ------------ | -------: | ----------: | ---------------: | --------------: | ----------------- |\n"
        "| s    | job          |    11.00 | 10.00-12.00 | 2.20 (2.00-2.75) |            2.00 | dim_a 2, fact_b 3 |\n"
        "| s    | hand-written |     5.00 |   4.00-6.00 | 1.00 (1.00-1.00) |            0.75 | dim_a 1, fact_b - |"
    )


def test_a_summary_needs_the_baseline_at_every_size() -> None:
    measurements = [Measurement("job", "s", 1, 1.0, 1, Path("x")), Measurement("job", "m", 1, 1.0, 1, Path("x"))]
    with pytest.raises(ValueError, match="baseline 'ref' at size 's'"):
        harness.summarise(measurements, baseline="ref", tables=[])


def test_data_files_are_counted_through_the_symlink_of_a_published_table(tmp_path: Path) -> None:
    version = tmp_path / ".fact.versions" / "v1"
    _write_files(version, "part-0", "day=1/part-0", "day=1/part-1", "_SUCCESS", ".part-0.crc", "_temporary/0/part-9")
    (tmp_path / "fact").symlink_to(version, target_is_directory=True)

    assert harness.data_file_counts(tmp_path / "fact") == 3
    with pytest.raises(FileNotFoundError):
        harness.data_file_counts(tmp_path / "nothing")


# -- compare_tables ---------------------------------------------------------------------------------------

WIDE = StructType(
    [
        StructField("id", IntegerType()),
        StructField("name", StringType()),
        StructField("tags", MapType(StringType(), IntegerType())),
        StructField("day", DateType()),
    ]
)
NARROW = StructType([StructField("id", IntegerType()), StructField("name", StringType())])
NARROW_LONG = StructType([StructField("id", LongType()), StructField("name", StringType())])


def test_compare_tables_finds_nothing_between_equal_tables_and_reports_each_difference(
    spark: SparkSession, tmp_path: Path
) -> None:
    job, ref = tmp_path / "job", tmp_path / "ref"
    day1, day2 = date(2024, 1, 1), date(2024, 1, 2)
    wide = [(1, "a", {"x": 1, "y": 2}, day1), (2, None, {}, day1), (3, "c", None, day2), (3, "c", None, day2)]
    # Same rows, other order, other files, map entries in another order; the job's table is a symlink.
    version = job / ".same.versions" / "v1"
    spark.createDataFrame(wide, WIDE).coalesce(1).write.partitionBy("day").parquet(str(version))
    (job / "same").symlink_to(version, target_is_directory=True)
    reordered = [(3, "c", None, day2), (3, "c", None, day2), (2, None, {}, day1), (1, "a", {"y": 2, "x": 1}, day1)]
    spark.createDataFrame(reordered, WIDE).repartition(3).write.partitionBy("day").parquet(str(ref / "same"))
    # One folder stands for the job's three narrow tables.
    narrow = [(1, "a"), (2, "b"), (3, None)]
    spark.createDataFrame(narrow, NARROW).write.parquet(str(job / ".narrow"))
    for name in ("changed", "retyped", "missing"):
        (job / name).symlink_to(job / ".narrow", target_is_directory=True)
    # One value changed, and two more copies of a row.
    changed = [(1, "a"), (2, "B"), (3, None), (1, "a"), (1, "a")]
    spark.createDataFrame(changed, NARROW).write.parquet(str(ref / "changed"))
    spark.createDataFrame(narrow, NARROW_LONG).write.parquet(str(ref / "retyped"))

    differences = harness.compare_tables(
        spark, job, ref, ["same", "changed", "retyped", "missing"], labels=("job", "reference")
    )

    assert differences == [
        "changed: 3 rows in job, 5 in reference",
        "changed: 1 row only in job, e.g. Row(id=2, name='b')",
        "changed: 3 rows only in reference, e.g. Row(id=1, name='a') x2; Row(id=2, name='B')",
        "retyped: column id is int in job, bigint in reference",
        "retyped: content not compared (the schemas differ)",
        f"missing: missing in reference ({ref / 'missing'})",
    ]


# -- the event log ----------------------------------------------------------------------------------------

# Job 0 shuffles into a cached table; job 1 finds it cached (the shuffle's map stage is skipped); job 2
# has no description (its call site names it) and reads a text file. DataFrames only, with adaptive
# execution off, so the jobs and stages are the same on every Spark version.
SPARK_APP = """\
import sys

from pyspark.sql import SparkSession, functions as F

spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.sql.adaptive.enabled", "false")
    .config("spark.sql.shuffle.partitions", "2")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.driver.bindAddress", "127.0.0.1")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
    .getOrCreate()
)
spark.sparkContext.setJobDescription("load")
counts = spark.range(0, 1000, 1, 2).groupBy((F.col("id") % 10).alias("k")).count().cache()
counts.collect()
spark.sparkContext.setJobDescription("reuse")
counts.collect()
spark.sparkContext.setJobDescription(None)
spark.read.text(sys.argv[1]).collect()
spark.stop()
"""
LINES = "".join(f"line {i}\n" for i in range(100))


def _run_spark_app(folder: Path) -> Path:
    """Run SPARK_APP with the environment ``eventlog_env`` gives; its one event log."""
    (folder / "app.py").write_text(SPARK_APP)
    (folder / "lines.txt").write_text(LINES)
    argv = [sys.executable, str(folder / "app.py"), str(folder / "lines.txt")]
    harness.measure(argv, env=profile.eventlog_env(folder / "events"), log_path=folder / "app.log")
    (log,) = profile.event_logs(folder / "events")
    return log


@pytest.fixture(scope="module", autouse=True)
def spark_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Future[Path]]:
    """SPARK_APP, started with the module's first test and run beside the others (it takes a JVM's start)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(_run_spark_app, tmp_path_factory.mktemp("eventlog"))


@pytest.fixture
def event_log(spark_app: Future[Path]) -> Path:
    return spark_app.result()


def test_the_event_log_gives_each_spark_job_its_description_stages_and_bytes(event_log: Path) -> None:
    load, reuse, read = profile.read_event_log(event_log)

    assert (load.job_id, load.description, load.stages, load.skipped_stages, load.tasks) == (0, "load", 2, 0, 4)
    assert load.shuffle_write_bytes > 0
    assert load.shuffle_read_bytes == load.shuffle_write_bytes
    assert load.input_bytes == 0
    # Served from the cache: the map stage of the shuffle is skipped, and nothing is shuffled.
    assert (reuse.job_id, reuse.description, reuse.stages, reuse.skipped_stages, reuse.tasks) == (1, "reuse", 1, 1, 2)
    assert (reuse.shuffle_read_bytes, reuse.shuffle_write_bytes) == (0, 0)
    assert (read.job_id, read.description) == (2, f"collect at {event_log.parent.parent / 'app.py'}:22")
    assert (read.stages, read.skipped_stages, read.input_bytes) == (1, 0, len(LINES))
    assert all(job.result == "JobSucceeded" and job.seconds > 0 for job in (load, reuse, read))
    assert "| reuse " in profile.format_profile("app", [load, reuse, read])


def test_the_log_of_an_application_that_died_is_read_as_far_as_it_goes(event_log: Path, tmp_path: Path) -> None:
    lines = event_log.read_text().splitlines()
    second_end = [i for i, line in enumerate(lines) if '"Event":"SparkListenerJobEnd"' in line][1]
    died = tmp_path / "local-1.inprogress"
    died.write_text("\n".join(lines[:second_end]) + '\n{"Event":"SparkListenerTaskE')

    load, reuse = profile.read_event_log(died)

    assert load.result == "JobSucceeded"
    assert (reuse.description, reuse.result, reuse.stages, reuse.skipped_stages) == ("reuse", "unfinished", 1, 1)


def test_eventlog_env_keeps_the_submit_args_already_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--driver-memory 2g pyspark-shell")
    folder = tmp_path / "event logs"

    env = profile.eventlog_env(folder)

    assert folder.is_dir()
    assert shlex.split(env["PYSPARK_SUBMIT_ARGS"]) == [
        "--driver-memory",
        "2g",
        "--conf",
        "spark.eventLog.enabled=true",
        "--conf",
        "spark.eventLog.compress=false",
        "--conf",
        "spark.eventLog.rolling.enabled=false",
        "--conf",
        f"spark.eventLog.dir=file://{tmp_path}/event%20logs",
        "pyspark-shell",
    ]


def test_the_profile_lists_the_jobs_then_the_totals_per_description_longest_first() -> None:
    jobs = [
        profile.SparkJob(0, "read orders", 1.5, 1, 4, 0, 0, 0, 3 * MIB),
        profile.SparkJob(1, "join | write", 4.0, 2, 8, 1, 2048, 2048, 0),
        profile.SparkJob(2, "read orders", 1.0, 1, 2, 0, 0, 0, 512, "JobFailed"),
    ]

    assert profile.format_profile("job", jobs) == (
        "### job: 3 Spark jobs, 6.50 s in all\n"
        "\n"
        "| job | description             |    s | stages | skipped | tasks |   input | shuffle read | shuffle write |\n"
        "| --: | ----------------------- | ---: | -----: | ------: | ----: | ------: | -----------: | ------------: |\n"
        "|   0 | read orders             | 1.50 |      1 |       0 |     4 | 3.0 MiB |          0 B |           0 B |\n"
        "|   1 | join \\| write           | 4.00 |      2 |       1 |     8 |     0 B |      2.0 KiB |"
        "       2.0 KiB |\n"
        "|   2 | read orders (JobFailed) | 1.00 |      1 |       0 |     2 |   512 B |          0 B |           0 B |\n"
        "\n"
        "Per description, longest first (job):\n"
        "\n"
        "| description   | jobs |    s | share | stages | skipped | tasks |   input | shuffle read | shuffle write |\n"
        "| ------------- | ---: | ---: | ----: | -----: | ------: | ----: | ------: | -----------: | ------------: |\n"
        "| join \\| write |    1 | 4.00 |   62% |      2 |       1 |     8 |     0 B |      2.0 KiB |       2.0 KiB |\n"
        "| read orders   |    2 | 2.50 |   38% |      2 |       0 |     6 | 3.0 MiB |          0 B |           0 B |"
    )
