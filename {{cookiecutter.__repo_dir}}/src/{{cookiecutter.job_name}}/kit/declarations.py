"""What the team's code declares as data, read by the kit: the contract files and each job's datasets.

The kit never imports the team's code. It reads two kinds of package data of the job's own package
(the one the kit sits in), which ship in the wheel:

- ``schemas/<dataset>.<suffix>``: one contract per dataset (``kit/contracts``);
- ``jobs/<job>.json``: one declaration per job. Its ``inputs`` say how each source is read and what
  happens to its bad rows, its ``outputs`` how each table is written, and any other key holds the
  job's settings for the cookbook pattern of that name (``kit/patterns``)::

      {
        "description": "What the job builds",
        "inputs": {"orders": {"format": "csv", "policy": "quarantine", "why": "a bad order is set aside"}},
        "outputs": {"fact_orders": {"format": "parquet"}}
      }
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from . import patterns
from .contracts import READERS, Contract, ContractError, contract_suffix, parse_contract
from .contracts.compliance import Policy
from .io.readers import ENCODINGS

# The job's own package: the kit is always ``<job package>.kit``.
JOB_PACKAGE = __name__.split(".")[0]
SCHEMAS = "schemas"
JOBS = "jobs"
INPUT_FORMATS = ("csv", "json")
INPUT_KEYS = ("format", "policy", "why", "encoding", "skip", "optional")
OUTPUT_FORMATS = ("parquet",)
DECLARATION_KEYS = ("description", "inputs", "outputs")


class DeclarationError(ValueError):
    """A job declaration that is missing, malformed or names something that does not exist."""


@dataclass(frozen=True)
class InputSpec:
    """One source the job reads: its file format, and what happens to rows that break its contract.

    ``encoding`` is the text encoding of its files (``UTF-8`` unless declared); ``skip`` holds globs
    of file names under its path that are not data (``["*.txt"]``); see ``kit/io/readers.py``.
    """

    name: str
    format: str
    policy: Policy
    why: str
    encoding: str = "UTF-8"
    skip: tuple[str, ...] = ()
    # May be absent or empty (``"optional": true``): a change feed before its first change. Its path then
    # reads as no rows, and no rows is a normal run, not an EmptyInputError.
    optional: bool = False


@dataclass(frozen=True)
class OutputSpec:
    """One table the job writes. Every output is rebuilt in full on each run (see ``kit/io/writers.py``)."""

    name: str
    format: str


@dataclass(frozen=True)
class JobDeclaration:
    """A job's datasets as it declares them in ``jobs/<job>.json``."""

    job: str
    description: str
    inputs: dict[str, InputSpec]
    outputs: dict[str, OutputSpec]
    # Pattern name -> the job's settings for it (only installed patterns may appear).
    pattern_settings: dict[str, Any] = field(default_factory=dict)

    def settings_for(self, pattern: str) -> Any:
        return self.pattern_settings.get(pattern, {})


def package_files() -> Traversable:
    return resources.files(JOB_PACKAGE)


def schemas_dir() -> Traversable:
    """Where the contract files live; inside the package, so they ship with the job's wheel."""
    return package_files().joinpath(SCHEMAS)


def available() -> list[str]:
    """Every dataset that has a contract, sorted."""
    names = set()
    for entry in schemas_dir().iterdir():
        suffix = contract_suffix(entry.name)
        if suffix is not None:
            names.add(entry.name[: -len(suffix)])
    return sorted(names)


def load_contract(name: str) -> Contract:
    """The contract of dataset ``name``, from whichever format its file is in."""
    directory = schemas_dir()
    present = [path for path in (directory.joinpath(name + suffix) for suffix in READERS) if path.is_file()]
    if not present:
        expected = ", ".join(name + suffix for suffix in READERS)
        raise ContractError(
            f"No contract for dataset '{name}': expected one of {expected} in {directory}. "
            f"Known datasets: {', '.join(available()) or 'none'}."
        )
    if len(present) > 1:
        names = ", ".join(path.name for path in present)
        raise ContractError(f"Dataset '{name}' has {len(present)} contract files ({names}); keep exactly one.")
    path = present[0]
    return parse_contract(name, path.name, path.read_text(encoding="utf-8"))


def load_all_contracts() -> dict[str, Contract]:
    return {name: load_contract(name) for name in available()}


def declared_jobs() -> list[str]:
    """The jobs that have a declaration, sorted."""
    return sorted(
        entry.name.removesuffix(".json")
        for entry in package_files().joinpath(JOBS).iterdir()
        if entry.name.endswith(".json")
    )


def load_job(job: str) -> JobDeclaration:
    """Job ``job``'s declaration (``jobs/<job>.json``), checked: every dataset named has a contract."""
    path = package_files().joinpath(JOBS).joinpath(f"{job}.json")  # one part per call: Python 3.10
    where = f"{JOB_PACKAGE}/{JOBS}/{job}.json"
    if not path.is_file():
        raise DeclarationError(f"Job '{job}' has no declaration: create {where} (known jobs: {declared_jobs()}).")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DeclarationError(f"{where} is not valid JSON: {exc}") from None
    return parse_declaration(job, document, where)


def parse_declaration(job: str, document: Any, where: str) -> JobDeclaration:
    if not isinstance(document, dict):
        raise DeclarationError(f"{where} must hold one JSON object with 'inputs' and 'outputs'.")
    installed = patterns.installed_names()
    unknown = sorted(set(document) - set(DECLARATION_KEYS) - set(installed))
    if unknown:
        raise DeclarationError(
            f"{where} sets {unknown}, which are neither declaration keys {list(DECLARATION_KEYS)} nor installed "
            f"patterns {installed}. Remove them, or add the pattern's module to kit/patterns/."
        )
    inputs = {name: _input(name, spec, where) for name, spec in _section(document, "inputs", where).items()}
    outputs = {name: _output(name, spec, where) for name, spec in _section(document, "outputs", where).items()}
    for name in [*inputs, *outputs]:
        load_contract(name)  # every declared dataset has exactly one readable contract
    return JobDeclaration(
        job=job,
        description=str(document.get("description", "")),
        inputs=inputs,
        outputs=outputs,
        pattern_settings={key: value for key, value in document.items() if key in installed},
    )


def _section(document: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    section = document.get(key)
    if not isinstance(section, dict) or not section:
        raise DeclarationError(f"{where}: '{key}' must be an object naming at least one dataset.")
    return section


def _choice(value: Any, choices: tuple[str, ...], what: str, where: str) -> str:
    if value not in choices:
        raise DeclarationError(f"{where}: {what} is {value!r}; choose one of {', '.join(choices)}.")
    return str(value)


def _input(name: str, spec: Any, where: str) -> InputSpec:
    if not isinstance(spec, dict):
        raise DeclarationError(f"{where}: input '{name}' must be an object with 'format', 'policy' and 'why'.")
    policy = _choice(spec.get("policy"), tuple(str(policy) for policy in Policy), f"input '{name}' policy", where)
    why = spec.get("why")
    if not isinstance(why, str) or not why.strip():
        raise DeclarationError(f"{where}: input '{name}' needs a 'why': one sentence on why bad rows get '{policy}'.")
    unknown = sorted(set(spec) - set(INPUT_KEYS))
    if unknown:
        raise DeclarationError(f"{where}: input '{name}' sets {unknown}; an input may set {', '.join(INPUT_KEYS)}.")
    encoding = _choice(spec.get("encoding", "UTF-8"), ENCODINGS, f"input '{name}' encoding", where)
    skip = spec.get("skip", [])
    if not isinstance(skip, list) or not all(isinstance(glob, str) and glob for glob in skip):
        raise DeclarationError(
            f"{where}: input '{name}' skip is {skip!r}; give a list of file-name globs that are not data, "
            'such as ["*.txt", "README*"].'
        )
    optional = spec.get("optional", False)
    if not isinstance(optional, bool):
        raise DeclarationError(f"{where}: input '{name}' optional is {optional!r}; give true or false.")
    return InputSpec(
        name,
        _choice(spec.get("format"), INPUT_FORMATS, f"input '{name}' format", where),
        Policy(policy),
        why,
        encoding,
        tuple(skip),
        optional,
    )


def _output(name: str, spec: Any, where: str) -> OutputSpec:
    if not isinstance(spec, dict):
        raise DeclarationError(f"{where}: output '{name}' must be an object with 'format'.")
    return OutputSpec(name, _choice(spec.get("format"), OUTPUT_FORMATS, f"output '{name}' format", where))
