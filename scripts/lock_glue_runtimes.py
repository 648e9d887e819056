"""Re-generate the uv.lock the template ships for each Glue version (``uv.glue-<version>.lock``).

A rendered pyproject.toml depends only on the Glue version and the job name, so one lock per Glue version
serves every render; the post-gen hook keeps the chosen one as ``uv.lock``. For each version this renders
the template with the default job name, runs ``uv lock`` there with that version's Python (from the shipped
lock, so only what the change needs moves), and writes the lock back with the project's name as Jinja.
Run ``make lock`` after changing a dependency of the rendered pyproject.toml or the Glue table;
``make lock LOCK_ARGS=--upgrade`` (any ``uv lock`` options) also moves every unpinned dependency to its
newest release. ``tests/test_locks.py`` fails while a shipped lock is stale.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bakery import (  # noqa: E402
    TEMPLATE_DIR,
    clean_env,
    default_answers,
    glue_python,
    render,
    template_config,
    write_cookiecutter_config,
)

# The default job name: the default render's uv.lock is then byte for byte what uv writes, the project's
# [[package]] entry included, which uv sorts among the others by name.
JOB_NAME = str(default_answers()["job_name"])
# uv.lock writes the project's name normalised, and only in the project's own [[package]] entry.
PROJECT_LINE = f'name = "{JOB_NAME.replace("_", "-")}"\n'
JINJA_LINE = "name = \"{{ cookiecutter.job_name | replace('_', '-') }}\"\n"


def shipped_lock(glue_version: str) -> Path:
    return TEMPLATE_DIR / f"uv.glue-{glue_version}.lock"


def as_template(lock: str) -> str:
    """The lock with the project's name as Jinja; refuses anything else Jinja would read or the name elsewhere."""
    lines = lock.splitlines(keepends=True)
    others = [line for line in lines if line != PROJECT_LINE and JOB_NAME.replace("_", "-") in line]
    if lines.count(PROJECT_LINE) != 1 or others or JOB_NAME in lock:
        raise SystemExit(f"ERROR: expected the project's name once, as '{PROJECT_LINE.strip()}'; uv wrote {others}.")
    if any(marker in lock for marker in ("{{", "{%", "{#")):
        raise SystemExit("ERROR: the lock holds Jinja syntax; it would not render back as uv wrote it.")
    return "".join(JINJA_LINE if line == PROJECT_LINE else line for line in lines)


def uv_lock(glue_version: str, workdir: Path, config: Path, uv_args: list[str]) -> str:
    """Render one Glue version, lock it from its shipped lock, and return what uv wrote."""
    project = render(workdir / glue_version, config, glue_version=glue_version, job_name=JOB_NAME)
    rendered = project / "uv.lock"
    if not rendered.read_text():
        rendered.unlink()  # a new Glue version's placeholder: uv resolves from scratch
    python = glue_python(template_config()["_glue"][glue_version]["python"])
    print(f"Glue {glue_version}: uv lock with {python}", flush=True)
    # From ROOT, with --directory: a pyenv shim for uv answers for the template's Python, not for every render's.
    command = ["uv", "--directory", str(project), "lock", "--python", python, *uv_args]
    if subprocess.run(command, cwd=ROOT, env=clean_env(), check=False).returncode != 0:
        raise SystemExit(f"ERROR: `{' '.join(command)}` failed; {shipped_lock(glue_version).name} is unchanged.")
    return rendered.read_text()


def lock(glue_version: str, workdir: Path, config: Path, uv_args: list[str]) -> bool:
    """Write one Glue version's shipped lock afresh; True when it changed."""
    shipped = shipped_lock(glue_version)
    before = shipped.read_text()
    written = uv_lock(glue_version, workdir, config, uv_args)
    shipped.write_text(as_template(written))
    # The shipped file must render back to exactly what uv wrote.
    again = render(workdir / f"{glue_version}-again", config, glue_version=glue_version, job_name=JOB_NAME)
    if (again / "uv.lock").read_text() != written:
        raise SystemExit(f"ERROR: {shipped.name} does not render back to the lock uv wrote.")
    return shipped.read_text() != before


def main(argv: list[str]) -> int:
    uv_args = argv[1:]
    glue_versions = list(template_config()["_glue"])
    # A Glue version without a lock yet starts from an empty one: the post-gen hook needs every version's file.
    new = [version for version in glue_versions if not shipped_lock(version).exists()]
    for version in new:
        shipped_lock(version).write_text("")
    try:
        with tempfile.TemporaryDirectory(prefix="glue-locks-") as tmp:
            workdir = Path(tmp)
            config = write_cookiecutter_config(workdir)
            for version in glue_versions:
                changed = lock(version, workdir, config, uv_args)
                print(f"Glue {version}: {shipped_lock(version).name} {'updated' if changed else 'unchanged'}")
    finally:
        for version in new:
            if not shipped_lock(version).read_text():
                shipped_lock(version).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
