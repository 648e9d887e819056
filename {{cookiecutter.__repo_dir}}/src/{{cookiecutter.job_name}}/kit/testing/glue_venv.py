"""A venv holding only what the Glue runtime provides, plus the artifact: ``make e2e-local`` runs the job in it.

The runtime's libraries are the ones this repo pins to (``[tool.uv] constraint-dependencies``, Glue's own
list) and pyspark at Glue's version. The artifact's wheels (``dist/``: the job's and those the manifest
carries) are installed with ``--no-deps``, as nothing else would be there on Glue either. ``uv pip
check`` then fails if the job needs a library that neither Glue nor the artifact brings.

``python -m <package>.kit.testing.glue_venv --dist dist --venv build/glue-runtime-venv``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import tomli

from ..cli.package import PackageError, find_uv
from ..deploy import ManifestError, load_manifest

STAMP = ".glue-runtime"


def runtime_requirements(pyproject: Path) -> list[str]:
    """Glue's libraries at Glue's versions, and pyspark at the version the dev group pins (Glue's Spark)."""
    config = tomli.loads(pyproject.read_text())
    pins = list(config["tool"]["uv"]["constraint-dependencies"])
    spark = [pin for pin in config["dependency-groups"]["dev"] if pin.replace(" ", "").startswith("pyspark==")]
    if len(spark) != 1:
        raise PackageError(f"{pyproject}: the dev group must pin pyspark exactly once (pyspark==<Glue's Spark>).")
    return [*pins, spark[0]]


def _run(command: Sequence[str], what: str, environ: Mapping[str, str] | None = None) -> None:
    result = subprocess.run(list(command), capture_output=True, text=True, check=False, env=dict(environ or os.environ))
    if result.returncode != 0:
        raise PackageError(f"{what} failed (`{' '.join(command)}`):\n{(result.stdout + result.stderr)[-3000:]}")


def build_venv(root: Path, dist: Path, venv: Path, environ: Mapping[str, str]) -> Path:
    """Create or refresh ``venv``; return its Python. The runtime part is reinstalled only when its pins change."""
    manifest = load_manifest(dist)
    uv = find_uv(environ, root)
    requirements = runtime_requirements(root / "pyproject.toml")
    digest = hashlib.sha256("\n".join([sys.version, *requirements]).encode()).hexdigest()
    python = venv / "bin" / "python"
    stamp = venv / STAMP
    quiet = {**environ, "UV_NO_PROGRESS": "1", "VIRTUAL_ENV": str(venv)}
    if not (python.exists() and stamp.exists() and stamp.read_text() == digest):
        if venv.exists():
            shutil.rmtree(venv)
        # The dev venv's interpreter is Glue's Python (make setup chose it).
        _run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], "creating the Glue-like venv", quiet)
        listing = venv / "glue-runtime.txt"
        listing.write_text("\n".join(requirements) + "\n")
        _run(
            [uv, "pip", "install", "--quiet", "--python", str(python), "-r", str(listing)],
            "installing the Glue runtime's libraries",
            quiet,
        )
        stamp.write_text(digest)
    wheels = [str(dist / artifact.file) for artifact in (manifest.wheel, *manifest.dependencies)]
    _run(
        [uv, "pip", "install", "--quiet", "--reinstall", "--no-deps", "--python", str(python), *wheels],
        "installing the artifact",
        quiet,
    )
    _run(
        [uv, "pip", "check", "--python", str(python)],
        "the artifact's dependencies: a library the job needs is neither in Glue's runtime nor carried by the "
        "artifact; add it to the project's dependencies and rebuild with 'make package'. The check",
        quiet,
    )
    return python


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Glue-like venv the local E2E runs the artifact in.")
    parser.add_argument("--dist", type=Path, default=Path("dist"))
    parser.add_argument("--venv", type=Path, default=Path("build/glue-runtime-venv"))
    args = parser.parse_args(argv)
    try:
        python = build_venv(Path.cwd(), args.dist, args.venv, os.environ)
    except (PackageError, ManifestError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    print(f"  {python}: Glue's libraries and the artifact, nothing else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
