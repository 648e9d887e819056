"""Scaled benchmark inputs: the job's sample data, multiplied, with every key kept unique and every reference whole.

The sample data passes every check of the job (its tests prove it), so copies of it do too, as long
as keys stay unique and references still point at a row. ``write_scaled`` writes ``factor`` copies
of each input table. In copy ``c``:

- a **key column** (``Relations.keys``) gets a value no other copy has: an integer key ``v`` becomes
  ``v + c * (max + 1)`` of that column; a string key gets ``c`` appended as fixed-width digits
  (``S10_1678`` -> ``S10_1678003``), so patterns ending in digits still match;
- a **reference column** (``Relations.references``) is mapped the same way, into copy
  ``c % factor`` of its parent table, so it points at a row that exists;
- every other value is copied as it is: it passed the contract's types and rules in the sample.

The same factors always give the same bytes. With ``bad_rows``, each input whose policy is
quarantine also gets a few rows that break its contract, each in a different way (a value of the
wrong type, a null in a required column, a value below its ``min``), under fresh keys that no row
refers to: the job must set exactly those aside and build the same tables as from the clean data.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark.sql.types import ByteType, DataType, IntegerType, LongType, ShortType, StringType

from ..contracts import Contract
from ..contracts.compliance import Policy
from ..contracts.rules import RULES_KEY
from ..declarations import JobDeclaration, load_contract

INTEGER_LIMITS = {IntegerType: 2**31 - 1, LongType: 2**63 - 1, ShortType: 2**15 - 1, ByteType: 2**7 - 1}
UNPARSABLE = "not-a-value"

Record = dict[str, Any]


class ScalingError(ValueError):
    """The sample data or the relations cannot be scaled as asked."""


@dataclass(frozen=True)
class Relations:
    """Which columns of the inputs are keys, and which refer to another input's key.

    ``references``: table -> column -> (parent table, parent key column), as the domain declares them.
    """

    keys: Mapping[str, Sequence[str]]
    references: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ScaledInput:
    """What ``write_scaled`` wrote for one input: rows in total, of which ``bad`` break its contract."""

    name: str
    rows: int
    bad: int
    files: int


def _read_sample(folder: Path, data_format: str) -> list[Record]:
    files = sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith(("_", ".")))
    records: list[Record] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            if data_format == "csv":
                records += list(csv.DictReader(handle))
            else:
                records += [json.loads(line) for line in handle if line.strip()]
    if not records:
        raise ScalingError(f"{folder} holds no sample rows to scale: regenerate the sample data first.")
    return records


def _rules(contract: Contract, name: str) -> dict[str, Any]:
    return dict(contract.field(name).metadata.get(RULES_KEY) or {})


def _integer_type(data_type: DataType) -> int | None:
    return next((limit for kind, limit in INTEGER_LIMITS.items() if isinstance(data_type, kind)), None)


class _KeyMap:
    """How one key column's values are made unique per copy (see the module docstring)."""

    def __init__(self, contract: Contract, column: str, values: Sequence[Any], factor: int) -> None:
        data_type = contract.field(column).dataType
        self.limit = _integer_type(data_type)
        self.where = f"{contract.name}.{column}"
        if self.limit is None and not isinstance(data_type, StringType):
            raise ScalingError(f"{self.where}: keys of type {data_type.simpleString()} cannot be scaled yet.")
        present = [value for value in values if value not in (None, "")]
        self.stride = max((int(value) for value in present), default=0) + 1 if self.limit is not None else 0
        if self.limit is not None and min((int(value) for value in present), default=0) < 0:
            raise ScalingError(f"{self.where}: negative keys cannot be scaled by offsets.")
        # Copies 0..factor (one more for the bad rows' fresh keys).
        self.width = len(str(factor))
        if self.limit is not None and self.stride * (factor + 1) > self.limit:
            raise ScalingError(f"{self.where}: {factor} copies would overflow {data_type.simpleString()}.")

    def __call__(self, value: Any, copy: int) -> Any:
        if value is None or value == "":
            return value
        if self.limit is not None:
            mapped = int(value) + copy * self.stride
            return mapped if isinstance(value, int) else str(mapped)
        return f"{value}{copy:0{self.width}d}"


def _broken(contract: Contract, record: Record, keys: Sequence[str], kind: int) -> Record | None:
    """``record`` broken one way (``kind`` picks which); None when the contract has no column to break that way."""
    columns = [name for name in contract.columns if name not in keys]
    if kind == 0:  # a value that parses as no number or date: a malformed record
        targets = [name for name in columns if not isinstance(contract.field(name).dataType, StringType)]
        value: Any = UNPARSABLE
    elif kind == 1:  # a null in a required column
        targets = [name for name in columns if name in contract.required]
        value = None
    else:  # a value below its min rule
        targets = [name for name in columns if "min" in _rules(contract, name)]
        value = None
    if not targets:
        return None
    name = targets[0]
    if kind == 2:
        value = _rules(contract, name)["min"] - 1
    return {**record, name: value}


def _records(
    contract: Contract,
    sample: Sequence[Record],
    factor: int,
    maps: Mapping[str, tuple[_KeyMap, int]],
) -> Iterator[Record]:
    """``factor`` copies of ``sample``; ``maps``: column -> (its key map, the factor of the table it keys)."""
    for copy in range(factor):
        for record in sample:
            yield {
                name: maps[name][0](value, copy % maps[name][1]) if name in maps else value
                for name, value in record.items()
            }


def _write(
    folder: Path, name: str, data_format: str, columns: Sequence[str], rows: Iterator[Record], per_file: int
) -> tuple[int, int]:
    """Write ``rows`` under ``folder`` in files of at most ``per_file`` rows; (rows, files) written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = files = 0
    handle = None
    writer: Any = None
    try:
        for row in rows:
            if written % per_file == 0:
                if handle is not None:
                    handle.close()
                files += 1
                handle = (folder / f"{name}-{files:05d}.{data_format}").open("w", encoding="utf-8", newline="")
                if data_format == "csv":
                    writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
                    writer.writeheader()
            if data_format == "csv":
                writer.writerow({key: "" if value is None else value for key, value in row.items()})
            else:
                assert handle is not None
                handle.write(json.dumps(row) + "\n")
            written += 1
    finally:
        if handle is not None:
            handle.close()
    return written, files


def write_scaled(
    declaration: JobDeclaration,
    sample_root: Path,
    output: Path,
    factors: Mapping[str, int],
    relations: Relations,
    *,
    bad_rows: bool = False,
    rows_per_file: int = 250_000,
) -> list[ScaledInput]:
    """Write ``factors[name]`` copies (1 if not given) of each input's sample, ``<sample_root>/<name>/``, to
    ``<output>/<name>/``, in files of at most ``rows_per_file`` rows; see the module docstring."""
    unknown = sorted(set(factors) - set(declaration.inputs))
    if unknown:
        raise ScalingError(f"{unknown} are not inputs of job {declaration.job}: {sorted(declaration.inputs)}")
    if any(factor < 1 for factor in factors.values()):
        raise ScalingError(f"Every factor must be at least 1: {dict(factors)}")
    contracts = {name: load_contract(name) for name in declaration.inputs}
    samples = {name: _read_sample(sample_root / name, spec.format) for name, spec in declaration.inputs.items()}
    factor = {name: factors.get(name, 1) for name in declaration.inputs}
    key_maps = {
        (name, column): _KeyMap(contracts[name], column, [record.get(column) for record in samples[name]], factor[name])
        for name in declaration.inputs
        for column in relations.keys.get(name, ())
    }
    written = []
    for name, spec in declaration.inputs.items():
        maps = {column: (key_maps[name, column], factor[name]) for column in relations.keys.get(name, ())}
        for column, (parent, parent_key) in relations.references.get(name, {}).items():
            if (parent, parent_key) not in key_maps:
                raise ScalingError(
                    f"{name}.{column} refers to {parent}.{parent_key}, which is not a key in the relations."
                )
            maps[column] = (key_maps[parent, parent_key], factor[parent])
        contract = contracts[name]
        rows = _records(contract, samples[name], factor[name], maps)
        bad: list[Record] = []
        if bad_rows and spec.policy is Policy.QUARANTINE:
            keys = list(relations.keys.get(name, ()))
            own = [column for column in keys if column not in relations.references.get(name, {})]
            for kind, record in enumerate(_records(contract, samples[name][:3], 1, maps)):
                # A key no copy has (copy ``factor``), so no row refers to it; references stay those of copy 0.
                fresh = {
                    column: key_maps[name, column](value, factor[name]) if column in own else value
                    for column, value in record.items()
                }
                broken = _broken(contract, fresh, keys, kind)
                if broken is not None:
                    bad.append(broken)

        def everything(rows: Iterator[Record] = rows, bad: list[Record] = bad) -> Iterator[Record]:
            yield from rows
            yield from bad

        count, files = _write(output / name, name, spec.format, list(samples[name][0]), everything(), rows_per_file)
        written.append(ScaledInput(name, count, len(bad), files))
    return written
