"""Shared by the template's tests: where things are, the default answers, and a renderer."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "{{cookiecutter.__repo_dir}}"
COOKIECUTTER_JSON = ROOT / "cookiecutter.json"
# The tools of the venv running the tests (ruff, pre-commit...), whatever its path.
TOOLS_BIN = Path(sys.executable).parent
# One venv per Glue version, shared by every bake of that version (they never run at once: xdist groups).
BAKE_VENVS = Path(os.environ.get("BAKE_VENVS", ROOT / "build" / "bake-venvs"))
# Every cookbook pattern that changes what the job writes, on (alerting, on by default, adds Terraform only).
JOB_PATTERNS = {
    "pattern_output_file_count": True,
    "pattern_single_file_output": True,
    "pattern_reprocessing": True,
    "pattern_point_in_time": True,
    "pattern_cdc": True,
    "pattern_bookmarks": True,
    "pattern_recovery": True,
}
# Variables a nested make/uv/pytest must not inherit from the outer run (plus every PYTEST_*).
LEAKY_ENV = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")


def load_module(path: Path) -> ModuleType:
    """Import a file that is not on sys.path (the hooks, scripts/)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def template_config() -> dict[str, Any]:
    return json.loads(COOKIECUTTER_JSON.read_text())


def default_answers() -> dict[str, Any]:
    """What cookiecutter answers with --no-input: the first choice, or the value."""
    return {
        key: value[0] if isinstance(value, list) else value
        for key, value in template_config().items()
        if not key.startswith("_")
    }


def hook_context(**answers: Any) -> dict[str, Any]:
    """What the hooks get as ``cookiecutter``: the default answers plus ``answers``, and the private keys."""
    return {**template_config(), **default_answers(), **answers}


def write_cookiecutter_config(directory: Path) -> Path:
    """A cookiecutter config that keeps replay files out of the user's home."""
    config = directory / "cookiecutter-config.yaml"
    config.write_text(f"cookiecutters_dir: {directory / 'cookiecutters'}\nreplay_dir: {directory / 'replay'}\n")
    return config


def render(output_dir: Path, config_file: Path, **answers: Any) -> Path:
    """Render the template with default answers plus ``answers``; return the project directory."""
    project = cookiecutter(
        str(ROOT),
        no_input=True,
        extra_context=answers,
        output_dir=str(output_dir),
        config_file=str(config_file),
    )
    return Path(project)


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in LEAKY_ENV and not key.startswith("PYTEST_")}
    env.update(extra)
    return env


def run_command(command: list[str], cwd: Path = ROOT, timeout: float | None = None, **env: str) -> str | None:
    """Run ``command`` in the clean environment: None on success, else what failed with the tail of its output."""
    result = subprocess.run(
        command, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode == 0:
        return None
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-120:])
    return f"`{' '.join(command)}` exited {result.returncode} in {cwd}:\n{tail}"


def glue_python(version: str) -> str:
    """The interpreter of Python ``version`` (a Glue version's), looked up as the rendered scripts/bootstrap.sh does."""
    candidates = [f"python{version}"]
    if shutil.which("pyenv"):
        prefixes = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True, check=False).stdout
        candidates += [f"{prefix}/bin/python{version}" for prefix in prefixes.strip().split(":") if prefix]
    for candidate in candidates:
        try:
            # sys.executable: the interpreter itself, not a pyenv shim that answers only for some directories.
            found = subprocess.run(
                [candidate, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True, check=False
            )
        except OSError:
            continue
        if found.returncode == 0:
            return found.stdout.strip()
    found = subprocess.run(["uv", "python", "find", version], capture_output=True, text=True, check=False)
    if found.returncode == 0:
        return found.stdout.strip()
    raise RuntimeError(
        f"Python {version} was not found. Install it with 'pyenv install {version}' or put python{version} on PATH."
    )
