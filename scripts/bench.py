"""Time the rendered repo's tests: how close the suite is to the cost of Spark itself, and render-to-green.

(a) floor vs suite: one test that starts a SparkSession with the rendered suite's own ``spark`` fixture
    (``kit/testing/fixtures.py``) and runs one groupBy, against the rendered unit layer (``tests/unit
    tests/kit``, target <= 1.5 x floor) and the whole suite (``tests/kit tests/unit tests/integration``,
    target <= 2.5 x floor), in the same venv, alternated 3 times.
(b) render -> green ``make test`` with a fresh ``.venv`` in the render and a warm package cache
    (target: <= 60 s).
(c) the rendered ``make e2e-local``: the packaged job on a local Spark cluster over moto S3, its steps timed
    (target: it adds <= 60 s to ``make pr``).
(d) with ``--suite``: the template's own suite (``make test`` minus setup).

Prints figures only; it asserts nothing about time. Usage: ``make bench [BENCH_ARGS=--suite]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bakery import BAKE_VENVS, TOOLS_BIN, render, run_command, write_cookiecutter_config  # noqa: E402

RUNS = 3
UNIT_TARGET = 1.5
SUITE_TARGET = 2.5
RENDER_TO_GREEN_TARGET = 60.0
E2E_LOCAL_TARGET = 60.0

# Loads the rendered suite's own fixtures, so the floor pays exactly what the suite pays for Spark.
FLOOR_CONFTEST = """
import sys

sys.path[:0] = [{src!r}]
pytest_plugins = [{plugin!r}]
"""

FLOOR_TEST = """
def test_one_group_by(spark):
    frame = spark.createDataFrame([(i % 3, i) for i in range(30)], "key int, value int")
    assert sorted(frame.groupBy("key").count().collect()) == [(0, 10), (1, 10), (2, 10)]
"""


def timed(command: list[str], cwd: Path, **env: str) -> float:
    start = time.perf_counter()
    failure = run_command(command, cwd, **env)
    elapsed = time.perf_counter() - start
    if failure:
        raise SystemExit(f"ERROR: {failure}")
    return elapsed


def floor_vs_suite(workdir: Path, config: Path) -> tuple[Path, list[tuple[str, str, str]]]:
    project = render(workdir / "render-a", config)
    venv = BAKE_VENVS / "glue-5.1"
    print(f"(a) syncing the shared venv {venv} ...", flush=True)
    timed(["make", "setup"], project, UV_PROJECT_ENVIRONMENT=str(venv))

    floor = workdir / "floor"
    floor.mkdir()
    (floor / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider -q\n")
    plugin = f"{project.name}.kit.testing.fixtures"
    (floor / "conftest.py").write_text(FLOOR_CONFTEST.format(src=str(project / "src"), plugin=plugin))
    (floor / "test_floor.py").write_text(FLOOR_TEST)

    pytest = str(venv / "bin" / "pytest")
    floor_times, unit_times, suite_times = [], [], []
    for run in range(1, RUNS + 1):
        floor_times.append(timed([pytest, "test_floor.py"], floor))
        unit_times.append(timed([pytest, "-q", "tests/unit", "tests/kit"], project))
        suite_times.append(timed([pytest, "-q", "tests/kit", "tests/unit", "tests/integration"], project))
        print(
            f"    run {run}: floor {floor_times[-1]:.1f} s, unit layer {unit_times[-1]:.1f} s, "
            f"whole suite {suite_times[-1]:.1f} s",
            flush=True,
        )

    floor_median = statistics.median(floor_times)
    unit_ratio = statistics.median(unit_times) / floor_median
    suite_ratio = statistics.median(suite_times) / floor_median
    return project, [
        ("floor: one Spark test, the suite's fixture", f"{floor_median:.1f} s", runs(floor_times)),
        ("unit layer: tests/unit tests/kit", f"{statistics.median(unit_times):.1f} s", runs(unit_times)),
        ("unit layer / floor", f"{unit_ratio:.2f}", verdict(unit_ratio, UNIT_TARGET)),
        ("whole suite: kit, unit, integration", f"{statistics.median(suite_times):.1f} s", runs(suite_times)),
        ("whole suite / floor", f"{suite_ratio:.2f}", verdict(suite_ratio, SUITE_TARGET)),
    ]


def verdict(ratio: float, target: float) -> str:
    return f"target <= {target} ({'met' if ratio <= target else 'MISSED'})"


def render_to_green(workdir: Path, config: Path) -> list[tuple[str, str, str]]:
    print("(b) fresh render, fresh .venv, make test ...", flush=True)
    start = time.perf_counter()
    project = render(workdir / "render-b", config)
    rendered = time.perf_counter() - start
    make_test = timed(["make", "test"], project)  # no UV_PROJECT_ENVIRONMENT: the render's own .venv
    total = time.perf_counter() - start
    verdict = "met" if total <= RENDER_TO_GREEN_TARGET else "MISSED"
    return [
        (
            "render -> green make test (fresh .venv)",
            f"{total:.1f} s",
            f"target <= {RENDER_TO_GREEN_TARGET:.0f} s ({verdict})",
        ),
        ("  of which: render", f"{rendered:.1f} s", ""),
        ("  of which: make test (venv + tests)", f"{make_test:.1f} s", ""),
    ]


def local_e2e(project: Path) -> list[tuple[str, str, str]]:
    """``make e2e-local`` in the render of (a): package, the Glue-like venv (first build, then a rebuild), the tests."""
    print("(c) make e2e-local ...", flush=True)
    venv = str(BAKE_VENVS / "glue-5.1")
    runtime = f"GLUE_VENV={BAKE_VENVS / 'glue-5.1-bench-runtime'}"
    run_command(["rm", "-rf", runtime.partition("=")[2]], project)
    package = timed(["make", "package"], project, UV_PROJECT_ENVIRONMENT=venv)
    first = timed(["make", "e2e-local", runtime], project, UV_PROJECT_ENVIRONMENT=venv)
    again = timed(["make", "e2e-local", runtime], project, UV_PROJECT_ENVIRONMENT=venv)
    return [
        ("make package", f"{package:.1f} s", ""),
        ("make e2e-local, Glue-like venv built", f"{first:.1f} s", ""),
        ("make e2e-local, venv reused (what make pr adds)", f"{again:.1f} s", verdict(again, E2E_LOCAL_TARGET)),
    ]


def template_suite() -> list[tuple[str, str, str]]:
    print("(d) the template's own suite ...", flush=True)
    command = [str(TOOLS_BIN / "pytest"), "-q", "-n", "2", "--dist", "loadgroup"]
    return [("template suite (pytest -n 2)", f"{timed(command, ROOT):.0f} s", "")]


def runs(times: list[float]) -> str:
    return "runs: " + ", ".join(f"{value:.1f}" for value in times)


def print_table(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(name) for name, _, _ in rows)
    print()
    print(f"{'measure':<{width}}  {'value':>8}  notes")
    print(f"{'-' * width}  {'-' * 8}  -----")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>8}  {note}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="also time the template's own test suite")
    parser.add_argument("--skip-render-to-green", action="store_true", help="leave out render-to-green")
    parser.add_argument("--skip-e2e-local", action="store_true", help="leave out make e2e-local")
    args = parser.parse_args(argv)

    print(f"{os.cpu_count()} cores; Spark sessions start once per pytest process", flush=True)
    with tempfile.TemporaryDirectory(prefix="glue-template-bench-") as temp:
        workdir = Path(temp)
        config = write_cookiecutter_config(workdir)
        project, rows = floor_vs_suite(workdir, config)
        if not args.skip_e2e_local:
            rows += local_e2e(project)
        if not args.skip_render_to_green:
            rows += render_to_green(workdir, config)
    if args.suite:
        rows += template_suite()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
