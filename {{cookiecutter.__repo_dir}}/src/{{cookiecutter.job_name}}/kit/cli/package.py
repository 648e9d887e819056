"""``make package``: the artifact Glue runs, built into ``dist/``, and ``dist/manifest.json`` naming it.

- the job's wheel (the contract files and declarations inside it as package data), built by ``uv build``
  with ``SOURCE_DATE_EPOCH`` set, so the same commit gives a byte-identical wheel;
- the Glue script (the job's ``script_location``);
- the wheels of what the job needs and the Glue runtime does not provide (pydantic, for one, is in no
  Glue runtime's list), downloaded for Glue's platform (x86_64 Linux, Glue's Python);
- the manifest (``kit/deploy.py``): each file with its SHA-256 and S3 key, and the job's argument set.

Glue installs the job's wheel and the carried wheels with ``--additional-python-modules`` (Glue 4.0 and
later); everything else comes from the runtime. The config model is named as ``module:Class``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path

import tomli
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pydantic import BaseModel

from ..deploy import MANIFEST, Artifact, Manifest, ManifestError, argument_templates
from ..handler import job_arguments

LOG = logging.getLogger(__name__)

# Glue's workers: x86_64 Linux (Graviton workers arrive with Glue 6.1, which this repo does not target).
GLUE_PLATFORM = "manylinux2014_x86_64"
# The earliest time a zip file can hold; used when neither SOURCE_DATE_EPOCH nor a git commit gives one.
ZIP_EPOCH = 315532800


class PackageError(RuntimeError):
    """Building the artifact failed; the message says what and how to fix it."""


def source_date_epoch(root: Path, environ: Mapping[str, str]) -> int:
    """``SOURCE_DATE_EPOCH`` if set, else the last commit's time, else 1980-01-01: the same for the same commit."""
    if environ.get("SOURCE_DATE_EPOCH"):
        return int(environ["SOURCE_DATE_EPOCH"])
    result = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True, check=False)
    if result.returncode == 0 and result.stdout.strip().isdigit():
        return int(result.stdout.strip())
    LOG.warning("not a git checkout with commits: building with SOURCE_DATE_EPOCH=%d", ZIP_EPOCH)
    return ZIP_EPOCH


def find_uv(environ: Mapping[str, str], root: Path) -> str:
    """``$UV``, uv on PATH, or the one ``make setup`` installed into ``.tools``: the first that really runs
    (a pyenv shim on PATH may not answer for this directory's Python)."""
    for candidate in (environ.get("UV"), shutil.which("uv"), str(root / ".tools" / "bin" / "uv")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            runs = subprocess.run([candidate, "--version"], capture_output=True, check=False, cwd=root)
            if runs.returncode == 0:
                return candidate
    raise PackageError("uv was not found; run 'make setup' (it installs uv if missing) or set UV=/path/to/uv.")


def build_wheel(root: Path, out_dir: Path, epoch: int, uv: str) -> Path:
    """``uv build --wheel`` into ``out_dir`` with ``SOURCE_DATE_EPOCH=epoch``; the one wheel built."""
    with tempfile.TemporaryDirectory(prefix="wheel-") as scratch:
        result = subprocess.run(
            [uv, "build", "--wheel", "--out-dir", scratch, "--quiet", str(root)],
            env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise PackageError(f"uv build failed:\n{result.stderr[-3000:]}")
        (wheel,) = Path(scratch).glob("*.whl")
        target = out_dir / wheel.name
        shutil.copyfile(wheel, target)
    return target


def glue_provided(pyproject: Path) -> dict[str, str]:
    """The libraries the Glue runtime ships (``[tool.uv] constraint-dependencies``): name -> version."""
    pins = tomli.loads(pyproject.read_text())["tool"]["uv"]["constraint-dependencies"]
    provided: dict[str, str] = {}
    for pin in pins:
        requirement = Requirement(pin)
        provided[str(canonicalize_name(requirement.name))] = str(requirement.specifier).removeprefix("==")
    return provided


def _requirements(name: str, python_version: str) -> list[str]:
    """The installed distribution ``name``'s own requirements that apply on Glue's Python (no extras)."""
    environment = {key: str(value) for key, value in default_environment().items()}
    environment.update(python_version=python_version, extra="")
    names: list[str] = []
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            names.append(str(canonicalize_name(requirement.name)))
    return names


def closure(roots: Iterable[str], python_version: str) -> set[str]:
    """``roots`` and everything they require, transitively, as installed here (canonical names)."""
    seen: set[str] = set()
    todo = [str(canonicalize_name(name)) for name in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            todo += _requirements(name, python_version)
        except metadata.PackageNotFoundError:
            continue  # a Glue library this venv does not install: nothing of ours depends on it
    return seen


def carried_dependencies(project: str, provided: Iterable[str], python_version: str) -> dict[str, str]:
    """What the job's wheel needs that Glue lacks: its dependency closure minus the runtime's libraries and
    theirs (Glue that ships boto3 ships boto3's dependencies too). Name -> the version installed here."""
    needed = closure(_requirements(project, python_version), python_version)
    missing = sorted(needed - closure(provided, python_version))
    return {name: metadata.version(name) for name in missing}


def download_wheels(pins: Mapping[str, str], out_dir: Path, python_version: str) -> list[Path]:
    """The wheels of ``pins`` for Glue's platform and Python, from the package index (pip's cache first)."""
    if not pins:
        return []
    before = set(out_dir.glob("*.whl"))
    abi = "cp" + python_version.replace(".", "")
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary=:all:",
        f"--platform={GLUE_PLATFORM}",
        f"--python-version={python_version}",
        "--implementation=cp",
        f"--abi={abi}",
        "--abi=abi3",
        "--abi=none",
        f"--dest={out_dir}",
        *(f"{name}=={version}" for name, version in sorted(pins.items())),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PackageError(
            f"could not download the wheels Glue lacks ({', '.join(sorted(pins))}) for {GLUE_PLATFORM}, "
            f"Python {python_version}; check the package index is reachable:\n{result.stderr[-3000:]}"
        )
    return sorted(set(out_dir.glob("*.whl")) - before)


def load_config_type(spec: str) -> type[BaseModel]:
    """``package.jobs.star_schema:StarSchemaJobConfig`` -> the class, with every installed pattern's arguments."""
    module_name, _, class_name = spec.partition(":")
    config_type = getattr(importlib.import_module(module_name), class_name, None) if class_name else None
    if not (isinstance(config_type, type) and issubclass(config_type, BaseModel)):
        raise PackageError(f"--config {spec!r} names no config model; give it as module:Class.")
    return job_arguments(config_type)


def package(
    root: Path,
    dist: Path,
    script: Path,
    config_type: type[BaseModel],
    job_name: str,
    glue_version: str,
    python_version: str,
    environ: Mapping[str, str],
) -> Manifest:
    """Build everything into a fresh ``dist`` and return the manifest written there."""
    project = tomli.loads((root / "pyproject.toml").read_text())["project"]
    arguments = argument_templates(config_type, job_name)  # fails before anything is built
    if dist.exists():
        shutil.rmtree(dist)
    dist.mkdir(parents=True)
    epoch = source_date_epoch(root, environ)
    wheel = build_wheel(root, dist, epoch, find_uv(environ, root))
    shutil.copyfile(script, dist / script.name)
    pins = carried_dependencies(project["name"], glue_provided(root / "pyproject.toml"), python_version)
    carried = download_wheels(pins, dist, python_version)
    manifest = Manifest(
        job_name=job_name,
        glue_version=glue_version,
        version=project["version"],
        script=Artifact.of(dist / script.name, job_name),
        wheel=Artifact.of(wheel, job_name),
        dependencies=tuple(Artifact.of(path, job_name) for path in carried),
        arguments=arguments,
    )
    (dist / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", required=True, help="the job's config model, module:Class")
    parser.add_argument("--script", required=True, type=Path, help="the Glue script")
    parser.add_argument("--job-name", required=True, help="the Glue job's name")
    parser.add_argument("--glue-version", required=True)
    parser.add_argument("--dist", type=Path, default=Path("dist"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.job_name):
        parser.error(f"--job-name {args.job_name!r}: lowercase letters, digits and underscores only")
    try:
        manifest = package(
            Path.cwd(),
            args.dist,
            args.script,
            load_config_type(args.config),
            args.job_name,
            args.glue_version,
            python_version,
            os.environ,
        )
    except (PackageError, ManifestError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    for artifact in manifest.artifacts():
        print(f"  {args.dist / artifact.file}  sha256 {artifact.sha256[:16]}...  -> {artifact.key}")
    print(f"  {args.dist / MANIFEST}: arguments {', '.join(sorted(manifest.arguments))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
