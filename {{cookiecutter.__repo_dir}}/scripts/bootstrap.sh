#!/usr/bin/env bash
# Create the virtualenv with Glue's Python and install the pinned dependencies.
# Usage: scripts/bootstrap.sh PYTHON_VERSION   (UV_PROJECT_ENVIRONMENT picks another venv path)
set -euo pipefail
want="$1"

fail() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

find_python() {
  local candidate
  # A python3.X that really runs (pyenv shims answer only for the selected version).
  if candidate=$(command -v "python$want" 2>/dev/null) && "$candidate" -c 'pass' 2>/dev/null; then
    echo "$candidate"; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for prefix in $(pyenv prefix "$want" 2>/dev/null | tr ':' ' '); do
      [ -x "$prefix/bin/python$want" ] && { echo "$prefix/bin/python$want"; return; }
    done
  fi
  if command -v uv >/dev/null 2>&1 && candidate=$(uv python find "$want" 2>/dev/null); then
    echo "$candidate"; return
  fi
  return 1
}

command -v java >/dev/null 2>&1 || fail "Java is not installed; Spark needs it. Install Java 17 (Debian/Ubuntu: 'sudo apt-get install -y openjdk-17-jre-headless'; macOS: 'brew install openjdk@17'), then rerun."

python=$(find_python) || fail "Python $want (the Python of this Glue version) was not found. Install it with 'pyenv install $want' or 'uv python install $want', or put python$want on PATH, then rerun."

uv_bin=$(command -v uv 2>/dev/null || true)
# A pyenv shim may exist without answering for this directory's Python: make sure uv really runs.
if [ -z "$uv_bin" ] || ! "$uv_bin" --version >/dev/null 2>&1; then
  # No uv on PATH: install it into a private tools venv rather than the user's Python.
  [ -x .tools/bin/uv ] || { "$python" -m venv .tools && .tools/bin/pip install --quiet uv; } \
    || fail "could not install uv. Install it yourself ('pip install uv' or see docs.astral.sh/uv), then rerun."
  uv_bin=.tools/bin/uv
fi

# The interpreter itself, not a pyenv shim: uv would otherwise rebuild the venv on every run.
python=$("$python" -c 'import sys; print(sys.executable)')
if [ "${CI:-}" = "true" ]; then
  # CI installs the committed uv.lock as it is, and fails when it no longer matches pyproject.toml.
  "$uv_bin" lock --check --python "$python" --quiet \
    || fail "uv.lock is missing or out of date with pyproject.toml. Run 'uv lock', then commit uv.lock."
  "$uv_bin" sync --locked --python "$python" --quiet
else
  # Plain uv sync: after a change to the dependencies it updates uv.lock, as uv always does.
  "$uv_bin" sync --python "$python" --quiet
fi
