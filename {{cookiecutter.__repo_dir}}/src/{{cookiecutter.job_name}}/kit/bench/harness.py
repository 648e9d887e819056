"""Timing variants of a job against each other, on the same inputs, and checking they write the same tables.

Each variant is a command run as a subprocess, so every run pays the same start-up (Python, the JVM, the
SparkSession) and none inherits another's warm caches. A run is measured by its wall clock and by the
peak of the summed resident memory of its whole process tree: the Spark JVM is a child of the Python
driver, and most of the memory is there. Rounds alternate the order of the variants, so a machine that
slows down or speeds up during the benchmark weighs on every variant alike. Memory is read from /proc:
Linux only.
"""

from __future__ import annotations

import math
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import Row as SparkRow
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DataType, MapType, StructType

PROC = Path("/proc")
GIB = 1024**3
# How much of a failed run's log the error shows.
LOG_TAIL_LINES = 30
# Rows of each side's difference quoted in a content mismatch.
SAMPLE_ROWS = 3
# The helper columns of a comparison (names no table is likely to have).
SIDE, NET, COPIES, UNMATCHED, RANK = (f"__compare_{name}" for name in ("side", "net", "copies", "unmatched", "rank"))
# How long a finished run's leftover processes (a JVM still shutting down) may take before the next run.
STRAGGLER_SECONDS = 30.0


class BenchmarkError(RuntimeError):
    """A run that failed or could not be measured; the message names the command and ends with its log."""


@dataclass(frozen=True)
class Variant:
    """One way of computing the outputs: ``command(input_dir, output_dir)`` is the argv that runs it.

    The command reads ``input_dir`` and writes one folder per table under ``output_dir`` (which does not
    exist yet; its parent does).
    """

    name: str
    command: Callable[[Path, Path], list[str]]


@dataclass(frozen=True)
class Measurement:
    """One counted run: ``run`` is its round (1, 2, ...), the same number for every variant of that round."""

    variant: str
    size: str
    run: int
    seconds: float
    peak_rss_bytes: int
    output_dir: Path


@dataclass(frozen=True)
class Row:
    """One line of the result table: a variant at one size, its ratios taken against the baseline variant."""

    size: str
    variant: str
    median_s: float
    min_s: float
    max_s: float
    ratio_median: float
    ratio_min: float
    ratio_max: float
    peak_rss_bytes: int
    files: dict[str, int]


# -- measuring one run ------------------------------------------------------------------------------------


def measure(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    log_path: Path,
    interval: float = 0.1,
) -> tuple[float, int]:
    """Run ``argv`` to the end and return its wall clock in seconds and the peak memory of its process tree.

    ``env`` adds to (or overrides) this process's environment. stdout and stderr go to ``log_path``. The
    memory is the summed resident set of the process and all its descendants, sampled every ``interval``
    seconds, so a peak shorter than that can be missed. The command runs in a session of its own; when it
    has exited, what it left running gets a while to exit before this returns (so it does not weigh on
    the next run) and is then killed. A non-zero exit raises BenchmarkError with the end of the log.
    """
    _require_proc()
    if not argv:
        raise ValueError("measure needs a command to run")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = None if env is None else {**os.environ, **env}
    peak = 0
    with log_path.open("wb") as log:
        start = time.perf_counter()
        process = _start(argv, full_env, log)
        try:
            while True:
                peak = max(peak, tree_rss_bytes(process.pid))
                try:
                    returncode = process.wait(timeout=interval)
                except subprocess.TimeoutExpired:
                    continue
                seconds = time.perf_counter() - start
                break
        finally:
            # Interrupted (Ctrl-C, an error here): leave no JVM of this run behind.
            if process.poll() is None:
                _kill_session(process.pid)
                process.wait()
        _wait_for_stragglers(process.pid)
    if returncode != 0:
        raise BenchmarkError(_failure_message(argv, returncode, log_path))
    return seconds, peak


def tree_rss_bytes(root: int) -> int:
    """The summed resident memory of ``root`` and its descendants, now (0 for processes that just exited).

    Descendants are found through their parent pid and, for those whose parent already exited (re-parented
    to init), through the session: ``measure`` starts each command in a session of its own.
    """
    members = _tree(root, _process_table())
    return sum(_rss_bytes(pid) for pid in members)


def _start(argv: Sequence[str], env: Mapping[str, str] | None, log: IO[bytes]) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        raise BenchmarkError(f"cannot start {shlex.join(argv)}: {exc}") from exc


def _require_proc() -> None:
    if not (PROC / "self" / "statm").is_file():
        raise BenchmarkError(f"measuring memory reads {PROC}, which this system does not have: run it on Linux")


def _process_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, session id, state) of every process, skipping those that vanish while read."""
    table: dict[int, tuple[int, int, str]] = {}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            # "pid (command name) state ppid pgrp session ...": the name may hold spaces and parentheses.
            fields = stat.rpartition(")")[2].split()
            table[int(entry.name)] = (int(fields[1]), int(fields[3]), fields[0])
        except (OSError, ValueError, IndexError):
            continue
    return table


def _tree(root: int, table: Mapping[int, tuple[int, int, str]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    members = {root} | {pid for pid, (_, session, _) in table.items() if session == root}
    pending = list(members)
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in members:
                members.add(child)
                pending.append(child)
    return members


def _rss_bytes(pid: int) -> int:
    try:
        resident_pages = int((PROC / str(pid) / "statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def _session_members(session: int) -> list[int]:
    """The live processes of ``session`` (zombies left to a parent that never reaps them do not count)."""
    return [pid for pid, (_, sid, state) in _process_table().items() if sid == session and state != "Z"]


def _wait_for_stragglers(session: int) -> None:
    deadline = time.monotonic() + STRAGGLER_SECONDS
    while _session_members(session):
        if time.monotonic() > deadline:
            _kill_session(session)
            return
        time.sleep(0.05)


def _kill_session(session: int) -> None:
    """SIGKILL every live process of the session that ``measure`` started for a command."""
    for pid in _session_members(session):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue


def _failure_message(argv: Sequence[str], returncode: int, log_path: Path) -> str:
    how = f"exit code {returncode}"
    if returncode < 0:
        how += f" (killed by {signal.Signals(-returncode).name})"
    tail = _tail(log_path, LOG_TAIL_LINES)
    shown = "\n".join(f"    {line}" for line in tail) if tail else "    (the log is empty)"
    return f"{shlex.join(argv)} failed with {how}; the last lines of {log_path}:\n{shown}"


def _tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of a file, reading only its end (a Spark log can be large)."""
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        file.seek(max(0, file.tell() - 256 * 1024))
        text = file.read().decode("utf-8", errors="replace")
    return text.splitlines()[-lines:]


# -- running the rounds -----------------------------------------------------------------------------------


def run_interleaved(
    variants: Sequence[Variant],
    sizes: Mapping[str, Path],
    *,
    runs: int,
    warmup: int,
    work_dir: Path,
    env: Mapping[str, str] | None = None,
) -> list[Measurement]:
    """Run every variant on every input size, ``warmup`` uncounted rounds then ``runs`` counted ones per size.

    Each round runs every variant once, in the given order, then reversed in the next round (A B, B A,
    ...). A run writes to ``work_dir/<size>/<variant>/run-<n>`` (``warmup-<n>`` when uncounted), beside
    its log ``run-<n>.log``. Each run deletes its variant's previous output first, so only the last
    counted run of each variant and size is left (the earlier Measurements name deleted folders): its
    tables are the ones to compare. ``work_dir/<size>/<variant>`` belongs to the benchmark and is emptied
    first. One progress line per run goes to stderr.
    """
    if runs < 1 or warmup < 0:
        raise ValueError(f"runs must be at least 1 and warmup at least 0 (runs={runs}, warmup={warmup})")
    _check_names([variant.name for variant in variants], "variant")
    _check_names(list(sizes), "size")
    measurements: list[Measurement] = []
    for size, input_dir in sizes.items():
        previous: dict[str, Path] = {}
        for variant in variants:
            _remove(work_dir / size / variant.name)
            (work_dir / size / variant.name).mkdir(parents=True)
        for round_index in range(warmup + runs):
            counted = round_index >= warmup
            number = round_index - warmup + 1 if counted else round_index + 1
            label = f"run-{number}" if counted else f"warmup-{number}"
            order = variants if round_index % 2 == 0 else list(reversed(variants))
            for variant in order:
                variant_dir = work_dir / size / variant.name
                if variant.name in previous:
                    _remove(previous[variant.name])
                output_dir = variant_dir / label
                seconds, peak = measure(
                    variant.command(input_dir, output_dir), env=env, log_path=variant_dir / f"{label}.log"
                )
                previous[variant.name] = output_dir
                print(
                    f"[{size}] {label} {variant.name}: {seconds:.2f} s, peak {peak / GIB:.2f} GiB",
                    file=sys.stderr,
                    flush=True,
                )
                if counted:
                    measurements.append(Measurement(variant.name, size, number, seconds, peak, output_dir))
    return measurements


def _check_names(names: Sequence[str], what: str) -> None:
    """Names become folder names: non-empty, unique, one path component, not hidden."""
    for name in names:
        if not name or name in (".", "..") or "/" in name or os.sep in name or name.startswith("."):
            raise ValueError(f"{what} name {name!r} cannot be a folder name")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{what} names must be unique: {', '.join(duplicates)}")


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


# -- what a run wrote -------------------------------------------------------------------------------------


def _hidden(name: str) -> bool:
    """Spark's and Hadoop's bookkeeping (``_SUCCESS``, ``.crc`` files, staging folders): not data."""
    return name.startswith(("_", "."))


def data_file_counts(table_dir: Path) -> int:
    """The number of data files of a table: under ``table_dir`` at any depth (partition folders), symlinks
    followed (a published table can be a symlink to its version folder), bookkeeping left out.
    """
    if not table_dir.exists():
        raise FileNotFoundError(f"no table at {table_dir}")
    if table_dir.is_file():
        return 0 if _hidden(table_dir.name) else 1
    count = 0
    seen: set[str] = set()
    for root, dirs, files in os.walk(table_dir, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:  # a symlink loop
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [name for name in dirs if not _hidden(name)]
        count += sum(1 for name in files if not _hidden(name))
    return count


def compare_tables(
    spark: SparkSession,
    left: Path,
    right: Path,
    tables: Sequence[str],
    *,
    labels: tuple[str, str] = ("left", "right"),
) -> list[str]:
    """The differences between the Parquet tables ``<left>/<table>`` and ``<right>/<table>``; [] if none.

    For each table: whether both sides have it, its schema (column names and types, partition columns
    included; column order reported but not held against the content), its row count and its content as
    a multiset of rows (row order and file layout do not matter, duplicates do). The content is first
    compared by an order-independent checksum (row count and the sum of a 64-bit hash of every row);
    only when that differs are the rows each side has more copies of found (what ``exceptAll`` both ways
    gives, in one job), with their number and a few of them for the message. ``labels`` name the sides.
    """
    differences: list[str] = []
    for table in tables:
        differences.extend(_compare_table(spark, table, (left / table, right / table), labels))
    return differences


def _compare_table(spark: SparkSession, table: str, paths: tuple[Path, Path], labels: tuple[str, str]) -> list[str]:
    missing = [f"{label} ({path})" for label, path in zip(labels, paths, strict=True) if not path.exists()]
    if missing:
        return [f"{table}: missing in {' and '.join(missing)}"]
    frames: list[DataFrame] = []
    for label, path in zip(labels, paths, strict=True):
        try:
            # Resolved: a published table may be a symlink to its version folder.
            frames.append(spark.read.parquet(str(path.resolve())))
        except Exception as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return [f"{table}: cannot be read in {label} ({path}): {first_line}"]
    left, right = frames
    differences, same_columns = _schema_differences(table, left, right, labels)
    if not same_columns:
        return [*differences, f"{table}: content not compared (the schemas differ)"]
    return differences + _content_differences(table, left, right, labels)


def _content_differences(table: str, left: DataFrame, right: DataFrame, labels: tuple[str, str]) -> list[str]:
    """Both sides in one frame, each row tagged +1 (left) or -1 (right): one job for the checksums, and
    only if they differ one more for the rows whose tags do not cancel out (what ``exceptAll`` both ways
    would give, with the number of copies of each)."""
    columns = left.columns
    both = _comparable(left, columns, SIDE, 1).unionByName(_comparable(right, columns, SIDE, -1))
    digests = {row[SIDE]: (int(row["rows"]), row["hash"]) for row in _digests(both, columns).collect()}
    left_digest, right_digest = digests.get(1, (0, None)), digests.get(-1, (0, None))
    if left_digest == right_digest:
        return []
    differences: list[str] = []
    if left_digest[0] != right_digest[0]:
        differences.append(f"{table}: {left_digest[0]} rows in {labels[0]}, {right_digest[0]} in {labels[1]}")
    unmatched = _unmatched(both, columns).collect()
    for side, label in ((1, labels[0]), (-1, labels[1])):
        samples = sorted((row for row in unmatched if row[SIDE] == side), key=lambda row: row[RANK])
        if samples:
            shown = "; ".join(_sample(row, columns) for row in samples)
            differences.append(f"{table}: {_rows(samples[0][UNMATCHED])} only in {label}, e.g. {shown}")
    return differences


def _schema_differences(
    table: str, left: DataFrame, right: DataFrame, labels: tuple[str, str]
) -> tuple[list[str], bool]:
    """The schema differences, and whether both sides have the same columns with the same types."""
    left_types = {field.name: field.dataType.simpleString() for field in left.schema.fields}
    right_types = {field.name: field.dataType.simpleString() for field in right.schema.fields}
    differences: list[str] = []
    for label, these, those in ((labels[0], left_types, right_types), (labels[1], right_types, left_types)):
        only = [name for name in these if name not in those]
        if only:
            differences.append(f"{table}: columns only in {label}: {', '.join(only)}")
    for name, left_type in left_types.items():
        right_type = right_types.get(name)
        if right_type is not None and right_type != left_type:
            differences.append(f"{table}: column {name} is {left_type} in {labels[0]}, {right_type} in {labels[1]}")
    if differences:
        return differences, False
    if list(left_types) != list(right_types):
        differences.append(
            f"{table}: column order differs: {labels[0]} ({', '.join(left_types)}),"
            f" {labels[1]} ({', '.join(right_types)})"
        )
    return differences, True


def _comparable(frame: DataFrame, columns: Sequence[str], side_column: str, side: int) -> DataFrame:
    """``columns`` in this order after a ``side_column`` holding ``side``; maps turned into sorted entry arrays
    (maps can be neither hashed nor grouped, and two maps with the same entries are equal in any order)."""
    types = {field.name: field.dataType for field in frame.schema.fields}
    normalised = [_normalised(_column(name), types[name]).alias(name) for name in columns]
    return frame.select(F.lit(side).alias(side_column), *normalised)


def _column(name: str) -> Column:
    return F.col("`" + name.replace("`", "``") + "`")


def _has_map(data_type: DataType) -> bool:
    if isinstance(data_type, MapType):
        return True
    if isinstance(data_type, ArrayType):
        return _has_map(data_type.elementType)
    if isinstance(data_type, StructType):
        return any(_has_map(field.dataType) for field in data_type.fields)
    return False


def _normalised(column: Column, data_type: DataType) -> Column:
    if not _has_map(data_type):
        return column
    if isinstance(data_type, MapType):
        value_type = data_type.valueType
        entries = F.transform(
            F.map_entries(column),
            lambda entry: F.struct(entry["key"].alias("key"), _normalised(entry["value"], value_type).alias("value")),
        )
        return F.array_sort(entries)
    if isinstance(data_type, ArrayType):
        element_type = data_type.elementType
        return F.transform(column, lambda element: _normalised(element, element_type))
    assert isinstance(data_type, StructType)
    fields = [_normalised(column[field.name], field.dataType).alias(field.name) for field in data_type.fields]
    return F.when(column.isNull(), F.lit(None)).otherwise(F.struct(*fields))


def _digests(both: DataFrame, columns: Sequence[str]) -> DataFrame:
    """Per side, the row count and the sum of every row's hash: equal for equal multisets of rows.

    Each value is hashed with a null marker beside it (the hash skips nulls, so (null, 1) and (1, null)
    would collide); the sum is a decimal, which cannot overflow where a 64-bit sum would (or would fail
    under ANSI mode).
    """
    hashed = F.xxhash64(*[part for name in columns for part in (_column(name), _column(name).isNull())])
    return both.groupBy(SIDE).agg(F.count(F.lit(1)).alias("rows"), F.sum(hashed.cast("decimal(38,0)")).alias("hash"))


def _unmatched(both: DataFrame, columns: Sequence[str]) -> DataFrame:
    """A few of the distinct rows whose copies on the two sides do not match, per side that has too many
    (``SIDE``), with how many copies they are (``COPIES``) and how many unmatched rows that side has in all
    (``UNMATCHED``)."""
    net = both.groupBy(*[_column(name) for name in columns]).agg(F.sum(SIDE).alias(NET)).where(F.col(NET) != 0)
    per_side = Window.partitionBy(SIDE)
    ranked = (
        net.withColumn(SIDE, F.signum(NET).cast("int"))
        .withColumn(COPIES, F.abs(NET))
        .withColumn(UNMATCHED, F.sum(COPIES).over(per_side))
        .withColumn(RANK, F.row_number().over(per_side.orderBy(F.col(COPIES).desc())))
    )
    return ranked.where(F.col(RANK) <= SAMPLE_ROWS)


def _sample(row: SparkRow, columns: Sequence[str]) -> str:
    values = ", ".join(f"{name}={row[name]!r}" for name in columns)
    copies = row[COPIES]
    return _shorten(f"Row({values})") + (f" x{copies}" if copies > 1 else "")


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- the result table -------------------------------------------------------------------------------------


def summarise(measurements: Sequence[Measurement], *, baseline: str, tables: Sequence[str]) -> list[Row]:
    """One Row per size and variant, sizes and variants in the order they were measured.

    ``ratio_median`` is the variant's median time over the baseline's median at the same size (1.00 for
    the baseline). ``ratio_min``/``ratio_max`` are the spread of the per-round ratios (the variant's time
    in round n over the baseline's in round n): rounds are run back to back, so this spread is what the
    machine's drift leaves of the comparison. ``files`` counts the data files of each table in the last
    run's output (a table that is not there is left out).
    """
    groups: dict[tuple[str, str], list[Measurement]] = {}
    for measurement in measurements:
        groups.setdefault((measurement.size, measurement.variant), []).append(measurement)
    sizes = list(dict.fromkeys(size for size, _ in groups))
    variants = list(dict.fromkeys(variant for _, variant in groups))
    rows: list[Row] = []
    for size in sizes:
        base = groups.get((size, baseline))
        if base is None:
            raise ValueError(f"no measurement of the baseline {baseline!r} at size {size!r}")
        base_median = statistics.median(m.seconds for m in base)
        base_by_run = {m.run: m.seconds for m in base}
        for variant in variants:
            runs = groups.get((size, variant))
            if runs is None:
                continue
            seconds = [m.seconds for m in runs]
            ratios = [m.seconds / base_by_run[m.run] for m in runs if base_by_run.get(m.run)]
            last = max(runs, key=lambda m: m.run)
            rows.append(
                Row(
                    size=size,
                    variant=variant,
                    median_s=statistics.median(seconds),
                    min_s=min(seconds),
                    max_s=max(seconds),
                    ratio_median=statistics.median(seconds) / base_median if base_median else math.nan,
                    ratio_min=min(ratios, default=math.nan),
                    ratio_max=max(ratios, default=math.nan),
                    peak_rss_bytes=max(m.peak_rss_bytes for m in runs),
                    files={
                        table: data_file_counts(last.output_dir / table)
                        for table in tables
                        if (last.output_dir / table).exists()
                    },
                )
            )
    return rows


HEADERS = ("size", "variant", "median s", "min-max s", "ratio (min-max)", "peak memory GiB", "files per table")


def format_table(rows: list[Row], tables: Sequence[str]) -> str:
    """The rows as a Markdown table (numbers right-aligned, padded so that it also reads as plain text)."""
    return markdown_table(HEADERS, [_cells(row, tables) for row in rows], text_columns={0, 1, 6})


def markdown_table(headers: Sequence[str], lines: Sequence[Sequence[str]], *, text_columns: Collection[int]) -> str:
    """A Markdown table with padded cells: ``text_columns`` left-aligned, the others right-aligned numbers."""
    everything = [list(headers), *(list(line) for line in lines)]
    widths = [max(len(line[i]) for line in everything) for i in range(len(headers))]

    def render(cells: Sequence[str]) -> str:
        padded = (
            cell.ljust(width) if i in text_columns else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    rule = ("-" * width if i in text_columns else "-" * (width - 1) + ":" for i, width in enumerate(widths))
    return "\n".join([render(everything[0]), "| " + " | ".join(rule) + " |", *map(render, everything[1:])])


def _cells(row: Row, tables: Sequence[str]) -> list[str]:
    files = ", ".join(f"{table} {row.files[table]}" if table in row.files else f"{table} -" for table in tables)
    return [
        row.size,
        row.variant,
        f"{row.median_s:.2f}",
        f"{row.min_s:.2f}-{row.max_s:.2f}",
        f"{row.ratio_median:.2f} ({row.ratio_min:.2f}-{row.ratio_max:.2f})",
        f"{row.peak_rss_bytes / GIB:.2f}",
        files,
    ]
