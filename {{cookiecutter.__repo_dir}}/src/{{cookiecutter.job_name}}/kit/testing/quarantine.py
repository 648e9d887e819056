"""What a run set aside: the quarantined rows of one dataset and run, read back as the job wrote them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..io.quarantine import quarantine_location


def read_quarantine(quarantine_path: Path, dataset: str, run_id: str) -> list[dict[str, Any]]:
    """Every quarantined row of ``dataset`` in run ``run_id`` (JSON lines), sorted by their text; [] if none.

    Numbers with a fraction read as Decimal, so a decimal value compares exactly.
    """
    folder = Path(quarantine_location(str(quarantine_path), dataset, run_id))
    if not folder.is_dir():
        return []
    lines = [line for part in sorted(folder.glob("part-*")) for line in part.read_text(encoding="utf-8").splitlines()]
    return [json.loads(line, parse_float=Decimal) for line in sorted(lines) if line.strip()]
