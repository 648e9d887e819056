"""Rebuild the Glue runtime table in cookiecutter.json from AWS's requirement lists.

The table under ``_glue`` is the one place every rendered file takes a version from.
Its ``constraints`` come from AWS's ``base-requirements.txt`` of each aws-glue-libs branch
(kept in ``../shared/glue-runtime``). Run ``python scripts/sync_glue_runtimes.py [DIR]``
after AWS publishes a new list; ``tests/test_glue_table.py`` fails while the two disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = ROOT / "cookiecutter.json"
DEFAULT_SOURCE = ROOT.parent / "shared" / "glue-runtime"

# Environment tooling in AWS's lists, not libraries a job imports: constraining them
# would only fight the developer's own tools (pre-commit needs a newer virtualenv).
NOT_RUNTIME = {"pip", "setuptools", "virtualenv", "uv", "distlib", "filelock", "platformdirs", "python-discovery"}


def read_requirements(path: Path) -> list[str]:
    pins = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        if not version:
            raise SystemExit(f"ERROR: {path}: '{line}' is not an exact pin. AWS lists pin with '=='.")
        if name.lower() not in NOT_RUNTIME:
            pins.append(f"{name}=={version}")
    return sorted(pins, key=str.lower)


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    config = json.loads(COOKIECUTTER_JSON.read_text())
    for version, row in config["_glue"].items():
        path = source / f"glue-{version}-requirements.txt"
        # Glue 4.0 has no published list: its row keeps the hand-chosen pins it documents.
        if path.exists():
            row["constraints"] = read_requirements(path)
            row["constraints_source"] = f"aws-glue-libs glue-{version} base-requirements.txt"
    COOKIECUTTER_JSON.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    print(f"updated {COOKIECUTTER_JSON.name} from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
