"""Rebuild ``_reserved_module_names`` in cookiecutter.json: the names a job package must not take.

The job name is also the rendered repo's top-level package (``src/<job_name>/``), so a job called
``json`` or ``pyspark`` would hide the module of that name from everything the job imports.
The table maps each such name to where it comes from: "Python standard library", or the
distribution that installs it. It is the union of

- the standard library of every Python a Glue version runs (3.10 to 3.13, found with pyenv):
  ``sys.stdlib_module_names`` plus the packages in the stdlib folder (``test``, which that set leaves out);
- the top-level modules of every distribution in the rendered repos' venvs (the first part of
  each RECORD path, else ``top_level.txt``), except the rendered job itself;
- the packages of AWS's Glue runtime lists (``../shared/glue-runtime``), which Glue puts on
  sys.path. The script installs each list, without dependencies, into a venv of that Glue
  version's Python (a temporary folder, with uv) and reads it like the others. A listed
  package still not installed (no uv, no network) adds its PyPI name as an import name (lower
  case, '-' as '_'): a best effort, since an import name can differ (``grpcio`` is ``grpc``).

Usage: ``python scripts/sync_reserved_names.py [VENV_PYTHON ...]``. Without arguments it reads the
bake venvs the template suite leaves in ``build/bake-venvs/glue-<version>`` (run ``make test`` first).
``tests/test_reserved_names.py`` fails when the 5.1 bake venv has a module the table lacks.

The script also runs inside each venv's own interpreter (``--dump``), so it sticks to the
standard library and to Python 3.10 syntax.
"""

from __future__ import annotations

import json
import pkgutil
import re
import subprocess
import sys
import sysconfig
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = ROOT / "cookiecutter.json"
GLUE_RUNTIME_LISTS = ROOT.parent / "shared" / "glue-runtime"
BAKE_VENVS = ROOT / "build" / "bake-venvs"
# Every Python a Glue version runs (4.0: 3.10, 5.x: 3.11, 6.0: 3.13), and 3.12 between them.
GLUE_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
STANDARD_LIBRARY = "Python standard library"
KEY = "_reserved_module_names"
# Where a compiled module's import name ends: "orjson.cpython-311-x86_64-linux-gnu.so".
EXTENSION_SUFFIXES = (".so", ".pyd")


def is_public_module_name(name: str) -> bool:
    """An importable name a job could take: no '-' or '.', not private, not a folder like __pycache__."""
    return name.isidentifier() and not name.startswith("_")


def record_top_level(relative_path: str) -> str:
    """The import name a RECORD path installs at the top of site-packages, or '' when it is none."""
    first, _, rest = relative_path.partition("/")
    if rest:
        return first  # a package folder (or a .dist-info folder, which the name check drops)
    if first.endswith(".py"):
        return first[: -len(".py")]
    if first.endswith(EXTENSION_SUFFIXES):
        return first.split(".", 1)[0]
    return ""


def top_level_names(distribution: metadata.Distribution) -> set[str]:
    # RECORD lists what was installed; top_level.txt can be stale (boto3-stubs' names 'dist').
    files = distribution.files
    if files is not None:
        names = {record_top_level(path.as_posix()) for path in files}
    else:
        names = {line.strip().split("/", 1)[0] for line in (distribution.read_text("top_level.txt") or "").splitlines()}
    return {name for name in names if is_public_module_name(name)}


def is_local_project(distribution: metadata.Distribution) -> bool:
    """The rendered job itself (installed from its folder), whose package is the job name."""
    direct_url = distribution.read_text("direct_url.json")
    return direct_url is not None and "dir_info" in json.loads(direct_url)


def installed_distributions() -> dict[str, list[str]]:
    """Distribution name -> its public top-level modules, in the running interpreter."""
    found: dict[str, set[str]] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name and not is_local_project(distribution):
            found.setdefault(name, set()).update(top_level_names(distribution))
    return {name: sorted(modules) for name, modules in sorted(found.items())}


def stdlib_names() -> list[str]:
    names = set(sys.stdlib_module_names)
    # sys.stdlib_module_names leaves out the test suite package; the stdlib folder has it.
    folders = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    names.update(module.name for module in pkgutil.iter_modules(sorted(folders)))
    return sorted(name for name in names if is_public_module_name(name))


def dump() -> None:
    print(json.dumps({"stdlib": stdlib_names(), "distributions": installed_distributions()}))


def run(command: list[str]) -> tuple[bool, str]:
    """Run a command: whether it worked, and its output (or why it could not start)."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as error:
        return False, str(error)
    return result.returncode == 0, result.stdout if result.returncode == 0 else result.stderr.strip()


def read_interpreter(python: str) -> tuple[set[str], dict[str, list[str]]]:
    """Run this script's ``--dump`` in ``python``: its stdlib names and its installed distributions."""
    ok, output = run([python, __file__, "--dump"])
    if not ok:
        raise SystemExit(f"ERROR: {python} could not list its modules: {output}. Check the interpreter path.")
    found = json.loads(output)
    return set(found["stdlib"]), found["distributions"]


def canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def joined(distributions: set[str]) -> str:
    """The distributions that install one module (a namespace like 'google'): 'a', 'a and b', 'a, b and c'."""
    names = sorted(distributions, key=str.lower)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def module_sources(stdlib: set[str], distributions: dict[str, list[str]]) -> dict[str, str]:
    """Module name -> where it comes from; the standard library wins over a backport of it."""
    providers: dict[str, set[str]] = {}
    for distribution, modules in distributions.items():
        for module in modules:
            providers.setdefault(module, set()).add(distribution)
    sources = {name: joined(dists) for name, dists in providers.items()}
    sources.update(dict.fromkeys(stdlib, STANDARD_LIBRARY))
    return sources


def compute(python: str) -> dict[str, str]:
    """The reserved names one interpreter contributes: its stdlib and its venv's modules."""
    return module_sources(*read_interpreter(python))


def glue_runtime_packages(source: Path = GLUE_RUNTIME_LISTS) -> set[str]:
    """The distribution names of AWS's Glue runtime lists."""
    names = set()
    for path in sorted(source.glob("glue-*-requirements.txt")):
        for raw in path.read_text().splitlines():
            line = raw.split("#", 1)[0].strip()
            if line:
                names.add(re.split(r"[=<>!~\[; ]", line, maxsplit=1)[0])
    return names


def best_effort_names(packages: set[str], installed: set[str]) -> dict[str, str]:
    """Import name guessed from the PyPI name, for listed packages no venv installs."""
    known = {canonical(name) for name in installed}
    guesses = {package.lower().replace("-", "_"): package for package in packages if canonical(package) not in known}
    return {name: package for name, package in guesses.items() if is_public_module_name(name)}


def pyenv_python(version: str) -> str:
    """The interpreter of an installed pyenv version (shims only answer for the selected one)."""
    ok, output = run(["pyenv", "prefix", version])
    python = Path(output.strip().split(":")[0]) / "bin" / "python"
    if not ok or not python.exists():
        raise SystemExit(f"ERROR: Python {version} was not found with pyenv. Install it ('pyenv install {version}').")
    return str(python)


def bake_venv_pythons() -> list[str]:
    # glue-<version> only: glue-<version>-runtime holds a render's own wheel, whose name is no library's.
    pythons = sorted(str(python) for python in BAKE_VENVS.glob("glue-*/bin/python") if python.parts[-3].count("-") == 1)
    if not pythons:
        raise SystemExit(
            f"ERROR: no venv to read: {BAKE_VENVS} has no glue-<version> venv. "
            "Run 'make test' first, or pass venv interpreters as arguments."
        )
    return pythons


def glue_runtime_python(version: str, python_version: str, requirements: Path, scratch: Path) -> str | None:
    """A venv holding exactly a Glue runtime list (no dependencies), to read its real import names."""
    venv = scratch / f"glue-{version}"
    commands = [
        ["uv", "venv", "--quiet", "--clear", "--python", pyenv_python(python_version), str(venv)],
        [
            "uv",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--python",
            str(venv / "bin" / "python"),
            "-r",
            str(requirements),
        ],
    ]
    for command in commands:
        ok, output = run(command)
        if not ok:
            print(f"WARNING: `{' '.join(command)}` failed, so Glue {version}'s names are guessed: {output}")
            return None
    return str(venv / "bin" / "python")


def glue_runtime_pythons(scratch: Path, source: Path = GLUE_RUNTIME_LISTS) -> list[str]:
    glue = json.loads(COOKIECUTTER_JSON.read_text())["_glue"]
    pythons = []
    for version, row in glue.items():
        requirements = source / f"glue-{version}-requirements.txt"
        python = glue_runtime_python(version, row["python"], requirements, scratch) if requirements.exists() else None
        pythons += [python] if python else []
    return pythons


def reserved_names(venv_pythons: list[str], stdlib_pythons: list[str]) -> tuple[dict[str, str], list[str]]:
    """The whole table, sorted, and the names in it guessed from Glue list names."""
    stdlib: set[str] = set()
    for python in stdlib_pythons:
        stdlib |= read_interpreter(python)[0]
    distributions: dict[str, set[str]] = {}
    for python in venv_pythons:
        venv_stdlib, venv_distributions = read_interpreter(python)
        stdlib |= venv_stdlib
        for distribution, modules in venv_distributions.items():
            distributions.setdefault(distribution, set()).update(modules)
    guessed = best_effort_names(glue_runtime_packages(), set(distributions))
    sources = {**guessed, **module_sources(stdlib, {name: sorted(mods) for name, mods in distributions.items()})}
    return dict(sorted(sources.items())), sorted(name for name in guessed if sources[name] == guessed[name])


def main(argv: list[str]) -> int:
    if argv[1:] == ["--dump"]:
        dump()
        return 0
    stdlib_pythons = [pyenv_python(version) for version in GLUE_PYTHONS]
    # The runtime venvs are large (pyarrow, pandas, matplotlib): read, then removed.
    with tempfile.TemporaryDirectory(prefix="glue-runtime-venvs-") as scratch:
        venv_pythons = (argv[1:] or bake_venv_pythons()) + glue_runtime_pythons(Path(scratch))
        table, guessed = reserved_names(venv_pythons, stdlib_pythons)
    config = json.loads(COOKIECUTTER_JSON.read_text())
    config[KEY] = table
    COOKIECUTTER_JSON.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    print(f"updated {KEY} in {COOKIECUTTER_JSON.name}: {len(table)} names from {len(venv_pythons)} venvs")
    if guessed:
        print(f"guessed from Glue list names (not installed in any venv): {', '.join(guessed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
