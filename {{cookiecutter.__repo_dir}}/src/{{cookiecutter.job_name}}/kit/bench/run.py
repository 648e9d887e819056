"""``make bench-job``: the job against a hand-written reference of the same logic, on scaled inputs.

A job's bench script (``bench/<job>.py``) describes its job with a ``JobBench`` and calls ``main``.
For each size asked for, the inputs are generated once (``kit/bench/data.py``), clean and with a few
bad rows. Then, interleaved, several times:

- ``hand-written``: the reference script on the clean inputs (the baseline);
- ``job``: the job on the clean inputs;
- ``job, bad rows``: the job on the inputs with bad rows, so the quarantine is timed too.

The job's tables must equal the reference's, row for row, with the same types, from the clean
inputs and from the bad ones (the bad rows are set aside, and exactly those: the quarantine is
counted). Any difference stops the benchmark. It then prints one table: the times, the ratio to the
reference, the peak memory and the files per table. ``--profile`` runs each variant once more with
Spark's event log on, and lists the Spark jobs each one ran, named by the step that ran them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession

from ..declarations import load_job
from .data import Relations, ScaledInput, write_scaled
from .harness import (
    BenchmarkError,
    Measurement,
    Variant,
    compare_tables,
    format_table,
    measure,
    run_interleaved,
    summarise,
)
from .profile import event_logs, eventlog_env, format_profile, read_event_log

BASELINE = "hand-written"
JOB = "job"
JOB_BAD_ROWS = "job, bad rows"
CLEAN, BAD = "clean", "bad"


@dataclass(frozen=True)
class JobBench:
    """What ``main`` needs to know of one job.

    - ``job``: the declaration's name (``jobs/<job>.json``); ``module``: the job module run with ``python -m``;
    - ``sample_data``: the folder with one folder of sample files per input;
    - ``relations``: the inputs' keys and references, so scaled copies stay consistent;
    - ``sizes``: size name -> copies per input (an input not named is copied once);
    - ``reference``: the hand-written script, run as ``python <reference> <reference_arguments(in, out)>``;
    - ``job_arguments(inputs, output, quarantine)``: the job's own arguments (``--JOB_NAME`` is added);
    - ``tables``: the outputs to compare.
    """

    job: str
    module: str
    sample_data: Path
    relations: Relations
    sizes: Mapping[str, Mapping[str, int]]
    reference: Path
    reference_arguments: Callable[[Path, Path], list[str]]
    job_arguments: Callable[[Path, Path, Path], list[str]]
    tables: Sequence[str]


def _job_command(bench: JobBench, variant: str) -> Callable[[Path, Path], list[str]]:
    def command(inputs: Path, output: Path) -> list[str]:
        data = inputs / (BAD if variant == JOB_BAD_ROWS else CLEAN)
        quarantine = output.with_name(f"{output.name}-quarantine")
        shutil.rmtree(quarantine, ignore_errors=True)
        arguments = bench.job_arguments(data, output, quarantine)
        return [sys.executable, "-m", bench.module, "--JOB_NAME", f"bench_{bench.job}", *arguments]

    return command


def variants(bench: JobBench) -> list[Variant]:
    """The reference first: it is the baseline of every ratio."""

    def reference(inputs: Path, output: Path) -> list[str]:
        return [sys.executable, str(bench.reference), *bench.reference_arguments(inputs / CLEAN, output)]

    return [
        Variant(BASELINE, reference),
        Variant(JOB, _job_command(bench, JOB)),
        Variant(JOB_BAD_ROWS, _job_command(bench, JOB_BAD_ROWS)),
    ]


def prepare_inputs(bench: JobBench, size: str, root: Path) -> dict[str, list[ScaledInput]]:
    """The clean and bad inputs of ``size`` under ``root/<size>``, generated unless the same ones are there."""
    factors = bench.sizes[size]
    folder = root / size
    stamp = folder / ".factors"
    wanted = repr(sorted(factors.items()))
    declaration = load_job(bench.job)
    written: dict[str, list[ScaledInput]] = {}
    if stamp.exists() and stamp.read_text() == wanted and (folder / ".written").exists():
        for line in (folder / ".written").read_text().splitlines():
            variant, name, rows, bad, files = line.split(",")
            written.setdefault(variant, []).append(ScaledInput(name, int(rows), int(bad), int(files)))
        return written
    shutil.rmtree(folder, ignore_errors=True)
    for variant, bad_rows in ((CLEAN, False), (BAD, True)):
        written[variant] = write_scaled(
            declaration, bench.sample_data, folder / variant, factors, bench.relations, bad_rows=bad_rows
        )
    lines = [f"{variant},{i.name},{i.rows},{i.bad},{i.files}" for variant, inputs in written.items() for i in inputs]
    (folder / ".written").write_text("\n".join(lines) + "\n")
    stamp.write_text(wanted)
    return written


def quarantined_rows(quarantine: Path) -> int:
    """The rows a run set aside: one JSON line each, under ``<quarantine>/<input>/run_id=.../``."""
    return sum(
        sum(1 for line in path.open(encoding="utf-8") if line.strip())
        for path in quarantine.rglob("*")
        if path.is_file() and not path.name.startswith(("_", "."))
    )


def check_outputs(
    spark: SparkSession, bench: JobBench, measurements: Sequence[Measurement], bad: Mapping[str, int]
) -> list[str]:
    """Differences between the job's last outputs and the reference's at each size; quarantine miscounts."""
    last = {(m.size, m.variant): m.output_dir for m in measurements}
    problems = []
    for size in dict.fromkeys(m.size for m in measurements):
        for variant in (JOB, JOB_BAD_ROWS):
            found = compare_tables(
                spark, last[size, BASELINE], last[size, variant], bench.tables, labels=(BASELINE, variant)
            )
            problems += [f"[{size}] {variant}: {difference}" for difference in found]
            output = last[size, variant]
            expected = bad[size] if variant == JOB_BAD_ROWS else 0
            set_aside = quarantined_rows(output.with_name(f"{output.name}-quarantine"))
            if set_aside != expected:
                problems.append(f"[{size}] {variant}: {set_aside} rows quarantined, expected {expected}")
    return problems


def profile(bench: JobBench, inputs: Mapping[str, Path], work_dir: Path) -> str:
    """Each variant run once per size with the event log on; its Spark jobs, listed."""
    sections = []
    for size, folder in inputs.items():
        for variant in variants(bench):
            run_dir = work_dir / "profile" / size / variant.name.replace(", ", "-").replace(" ", "-")
            shutil.rmtree(run_dir, ignore_errors=True)
            run_dir.mkdir(parents=True)
            seconds, _ = measure(
                variant.command(folder, run_dir / "output"),
                env=eventlog_env(run_dir / "events"),
                log_path=run_dir / "run.log",
            )
            logs = event_logs(run_dir / "events")
            if not logs:
                raise BenchmarkError(f"{variant.name} wrote no event log under {run_dir / 'events'}")
            sections.append(f"### {size}: {variant.name} ({seconds:.1f} s)\n\n")
            sections.append(format_profile(variant.name, read_event_log(logs[-1])) + "\n")
    return "\n".join(sections)


def parse_arguments(bench: JobBench, argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=f"Time job {bench.job} against its hand-written reference.")
    parser.add_argument("--sizes", default="medium", help=f"comma-separated, of {', '.join(bench.sizes)}")
    parser.add_argument("--runs", type=int, default=3, help="counted runs of each variant per size")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted rounds first (disk and JIT caches)")
    parser.add_argument("--work-dir", type=Path, default=Path("build/bench"), help="inputs, outputs and logs")
    parser.add_argument("--profile", action="store_true", help="list each variant's Spark jobs and stages too")
    arguments = parser.parse_args(argv)
    unknown = [size for size in arguments.sizes.split(",") if size not in bench.sizes]
    if unknown:
        parser.error(f"unknown sizes {unknown}: choose from {', '.join(bench.sizes)}")
    return arguments


def main(bench: JobBench, argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(bench, argv)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    sizes = arguments.sizes.split(",")
    work_dir: Path = arguments.work_dir.resolve()
    inputs, bad = {}, {}
    for size in sizes:
        written = prepare_inputs(bench, size, work_dir / "data")
        inputs[size] = work_dir / "data" / size
        bad[size] = sum(scaled.bad for scaled in written[BAD])
        rows = ", ".join(f"{scaled.name} {scaled.rows}" for scaled in written[CLEAN])
        print(f"[{size}] inputs: {rows}; {bad[size]} bad rows in the bad variant", file=sys.stderr)
    measurements = run_interleaved(
        variants(bench), inputs, runs=arguments.runs, warmup=arguments.warmup, work_dir=work_dir / "runs"
    )
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("bench-compare")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        problems = check_outputs(spark, bench, measurements, bad)
    finally:
        spark.stop()
    print(format_table(summarise(measurements, baseline=BASELINE, tables=bench.tables), bench.tables))
    if arguments.profile:
        print(profile(bench, inputs, work_dir))
    if problems:
        print("The job's output differs from the reference's:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"Outputs identical to the reference's at every size; {arguments.runs} counted runs each.")
    return 0
