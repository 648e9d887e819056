"""Glue job arguments -> a typed, validated config.

Arguments arrive as ``getResolvedOptions`` expects them: ``--name value`` pairs in ``sys.argv``.
Glue adds its own (``--JOB_ID``, ``--TempDir``, ``--job-bookmark-option``...), so unknown names
are ignored; a job's own names must match exactly (Glue 6.0 rejects abbreviations too). An unknown
name that differs from a known one only in case or in ``-`` for ``_`` (``--Output-Path``) is a typo,
not one of Glue's: it is an error that names the argument meant.

A location argument declares its role with its type (``InputPath``, ``OutputPath``, ``QuarantinePath``,
``TempPath``). No two locations of a run may be the same folder or lie one inside the other, and an
input may not be a file: the config refuses them before any Spark starts.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, ValidationError, model_validator
from pydantic.fields import FieldInfo

ConfigT = TypeVar("ConfigT", bound="JobConfig")


class JobArgumentError(ValueError):
    """Raised with every bad or missing argument listed, each with how to fix it."""


# A run id names a folder (quarantine/<dataset>/run_id=<id>), so no slashes, spaces or '='.
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


ROLES = ("input", "output", "quarantine", "temp")


@dataclass(frozen=True)
class Location:
    """Marks a field as a location argument (a folder or prefix); ``role`` is one of ``ROLES``."""

    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"location role must be one of {', '.join(ROLES)}, got {self.role!r}")


# A location argument's type: a non-empty string and its role. ``OutputPath | None`` for an optional one.
InputPath = Annotated[str, StringConstraints(min_length=1), Location("input")]
OutputPath = Annotated[str, StringConstraints(min_length=1), Location("output")]
QuarantinePath = Annotated[str, StringConstraints(min_length=1), Location("quarantine")]
TempPath = Annotated[str, StringConstraints(min_length=1), Location("temp")]

# What goes wrong when two locations overlap, by their roles.
OVERLAP_CONSEQUENCES = {
    frozenset({"input"}): "one input's folder would be read as part of the other's",
    frozenset({"input", "output"}): "the outputs would be written among the source files, and the next run "
    "would read them back as input or fail on them",
    frozenset({"input", "quarantine"}): "rejected rows would land among the source files, and the next run "
    "would read them back as input",
    frozenset({"input", "temp"}): "temporary files would land among the source files and be read as input",
    frozenset({"output"}): "the outputs would be written into each other's folders, and overwriting one "
    "deletes the other",
    frozenset({"output", "quarantine"}): "quarantined rows would mix into the output tables, or be deleted when "
    "a table is overwritten, and the run would lose the rows it set aside",
    frozenset({"output", "temp"}): "temporary files would mix into the output tables, or be deleted when a "
    "table is overwritten",
    frozenset({"quarantine"}): "the rejected rows of both would mix",
    frozenset({"quarantine", "temp"}): "temporary files would mix with the quarantined rows, and cleaning up "
    "either could delete the other",
    frozenset({"temp"}): "the temporary files of both would mix",
}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$")
# Hadoop's S3 connectors: one bucket, whichever scheme names it.
S3_SCHEME_ALIASES = {"s3a": "s3", "s3n": "s3"}


class LocationError(ValueError):
    """Location arguments that overlap or point at a file; ``problems`` holds one line for each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n  ".join(problems))
        self.problems = list(problems)


def is_iso_date(text: str) -> bool:
    """Whether ``text`` is a real date written ``YYYY-MM-DD`` (``2024-3-1`` and ``2024-02-30`` are not)."""
    try:
        return datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def local_run_id() -> str:
    """An id for a run outside Glue: ``local-<UTC timestamp>-<random>``, sortable and unique."""
    return f"local-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"


class JobConfig(BaseModel):
    """Base for a job's arguments. Field names are the argument names (underscores, never hyphens)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    job_name: str = Field(alias="JOB_NAME", min_length=1, description="set by Glue; pass it yourself on a local run")
    run_id: str = Field(
        alias="JOB_RUN_ID",
        default_factory=local_run_id,
        pattern=RUN_ID_PATTERN,
        description="Set by Glue on every run; generated for local runs.",
    )
    # Glue's temporary folder: read only to keep the job's own locations out of it; not passed on.
    temp_dir: TempPath | None = Field(
        default=None, alias="TempDir", exclude=True, description="Set by Glue: its temporary folder."
    )

    _started: float = PrivateAttr(default_factory=time.time)
    # Output tables a cookbook pattern made while the inputs were read (the change-records pattern's new
    # state), written with the job's own outputs: name -> DataFrame.
    _carried: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_locations(self) -> JobConfig:
        problems = location_problems(type(self), {name: getattr(self, name) for name in type(self).model_fields})
        if problems:
            raise LocationError(problems)
        return self

    @property
    def started(self) -> float:
        """When the arguments were parsed, the run's first step (seconds since the epoch)."""
        return self._started

    def carry_output(self, name: str, table: Any) -> None:
        """Hand output ``name``, made while reading, to ``kit/steps.write_outputs`` of this run."""
        self._carried[name] = table

    def carried_outputs(self) -> dict[str, Any]:
        """The outputs handed over with ``carry_output``, by name."""
        return dict(self._carried)

    def as_arguments(self) -> dict[str, str]:
        """The arguments as Glue's ``Job.init`` takes them (names without dashes, string values).

        Only the arguments the run was given, as ``getResolvedOptions`` returns them, plus the run id
        (Glue's ``TempDir`` is not among them: the job never asks for it).
        """
        given = self.model_dump(by_alias=True, exclude_unset=True, exclude_none=True)
        return {name: str(value) for name, value in {**given, "JOB_RUN_ID": self.run_id}.items()}


class IntakeJobConfig(JobConfig):
    """Arguments of a job that checks its raw inputs against their contracts: rejected rows need a home.

    The quarantine location is required, not defaulted: rejected rows are raw source data, and where
    they may live (bucket, retention, who can read them) is a deployment decision, not a guess
    under the output path.
    """

    quarantine_path: QuarantinePath = Field(
        description="folder or s3:// prefix for rejected rows: <quarantine_path>/<dataset>/run_id=<run id>/",
    )


def location_role(field: FieldInfo) -> str | None:
    """The role a field's type declares (``InputPath``...: see ``Location``), or None if it is no location."""
    annotated = [arg.__metadata__ for arg in get_args(field.annotation) if get_origin(arg) is Annotated]
    for metadata in [field.metadata, *annotated]:
        for marker in metadata:
            if isinstance(marker, Location):
                return marker.role
    return None


def normalise_location(location: str) -> str:
    """One spelling per place: ``s3a://``/``s3n://`` -> ``s3://``, no trailing or repeated ``/``, and a
    local path (``file:`` or none) absolute with ``.``, ``..`` and symbolic links resolved."""
    match = _SCHEME.match(location)
    if match is None:
        return os.path.realpath(location)
    scheme, rest = match.group(1).lower(), match.group(2)
    authority, path = rest[2:].partition("/")[::2] if rest.startswith("//") else ("", rest)
    if scheme == "file":
        return os.path.realpath(f"/{path}" if rest.startswith("//") else path)
    parts = "".join(f"/{part}" for part in path.split("/") if part)
    return f"{S3_SCHEME_ALIASES.get(scheme, scheme)}://{authority}{parts}"


def is_local(location: str) -> bool:
    match = _SCHEME.match(location)
    return match is None or match.group(1).lower() == "file"


def _inside(inner: str, outer: str) -> bool:
    """``inner`` is ``outer`` or below it: whole path segments, so ``s3://b/output`` is not inside ``s3://b/out``."""
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


def location_problems(model: type[BaseModel], values: Mapping[str, Any]) -> list[str]:
    """What is wrong with the location arguments among ``values`` (by field name; absent or None ones are skipped).

    An input that is an existing local file is a problem, and so is every pair of locations that are the
    same place or nest, whatever their roles (two inputs included: one would be read as part of the other).
    ``s3://`` locations are compared by name only; nothing here calls AWS.
    """
    locations = []
    for name, field in model.model_fields.items():
        role, value = location_role(field), values.get(name)
        if role is not None and isinstance(value, str) and value:
            locations.append((f"--{field.alias or name}", role, value, normalise_location(value)))
    problems = []
    for argument, role, value, place in locations:
        if role == "input" and is_local(value) and os.path.isfile(place):
            problems.append(
                f"{argument} ({value}) is a file; pass the folder that holds it ({os.path.dirname(place)})."
            )
    for first, second in combinations(locations, 2):
        (argument, role, value, place), (other, other_role, other_value, other_place) = first, second
        consequence = OVERLAP_CONSEQUENCES[frozenset({role, other_role})]
        if place == other_place:
            where = f"{argument} ({value}) and {other} ({other_value}) are the same location"
        elif _inside(place, other_place):
            where = f"{argument} ({value}) is inside {other} ({other_value})"
        elif _inside(other_place, place):
            where = f"{other} ({other_value}) is inside {argument} ({value})"
        else:
            continue
        problems.append(
            f"{where}: {consequence}. Give {argument} and {other} folders side by side, neither inside the other."
        )
    return problems


def near_misses(values: Mapping[str, str], model: type[BaseModel]) -> list[str]:
    """Given names that are not arguments of ``model`` but differ from one only in case or ``-`` for ``_``.

    Any other unknown name is left alone: Glue passes its own (``--JOB_ID``, ``--job-bookmark-option``...).
    """
    known: dict[str, str] = {}
    for name, field in model.model_fields.items():
        for spelling in (name, field.alias):
            if spelling:
                known.setdefault(_fold(spelling), field.alias or name)
    exact = argument_names(model)
    return [
        f"--{given}: not an argument of this job; did you mean --{known[_fold(given)]}? "
        "Names must match exactly: underscores, not hyphens, and the same case."
        for given in values
        if given not in exact and _fold(given) in known
    ]


def argument_names(model: type[BaseModel]) -> set[str]:
    """Every name ``model`` takes an argument by: each field's name and its alias (``JOB_NAME``...)."""
    return {spelling for name, field in model.model_fields.items() for spelling in (name, field.alias) if spelling}


def _fold(name: str) -> str:
    return name.replace("-", "_").casefold()


def split_arguments(argv: Sequence[str], known: Collection[str] | None = None) -> dict[str, str]:
    """``['script', '--a', '1', '--b=2']`` -> ``{'a': '1', 'b': '2'}``; later values win, as in argparse.

    A name with no value is an error if it is ``known`` (any name, without ``known``); another is Glue's,
    which may have none, or one starting with ``--`` (``--python-modules-installer-option --upgrade``), and
    is kept with an empty value, as ``getResolvedOptions`` lets it pass.
    """
    values: dict[str, str] = {}
    tokens = list(argv[1:])
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not token.startswith("--") or token == "--":
            raise JobArgumentError(
                f"Unexpected job argument '{token}': every argument is '--name value'. "
                "Check for a value with spaces that lost its quotes."
            )
        name, has_inline_value, inline_value = token[2:].partition("=")
        if has_inline_value:
            values[name] = inline_value
            index += 1
            continue
        if index + 1 >= len(tokens) or tokens[index + 1].startswith("--"):
            if known is None or name in known:
                raise JobArgumentError(f"Job argument '--{name}' has no value. Pass it as '--{name} <value>'.")
            values[name] = ""
            index += 1
            continue
        values[name] = tokens[index + 1]
        index += 2
    return values


def _describe(error: dict[str, object], model: type[JobConfig]) -> str:
    name = str(error["loc"][0]) if error.get("loc") else "?"  # type: ignore[index]
    # An error's loc is the argument as given: the alias, for JOB_NAME and the other Glue names.
    field = next((each for key, each in model.model_fields.items() if name in (key, each.alias)), None)
    argument = (field.alias if field and field.alias else name) if field else name
    if error["type"] == "missing":
        hint = f" ({field.description})" if field and field.description else ""
        return f"--{argument}: missing. Pass it as '--{argument} <value>'{hint}."
    return f"--{argument}: {error['msg']} (got {error.get('input')!r})."


def parse_job_arguments(argv: Sequence[str], model: type[ConfigT]) -> ConfigT:
    """Parse and validate ``argv`` into ``model``; raise one JobArgumentError naming every problem."""
    hyphenated = [field for field in model.model_fields if "-" in field]
    if hyphenated:
        raise JobArgumentError(f"Argument names {hyphenated} contain hyphens, which Glue rejects; use underscores.")
    values = split_arguments(argv, known=argument_names(model))
    problems = near_misses(values, model)
    try:
        config = model.model_validate(values)
    except ValidationError as exc:
        problems += _validation_problems(exc, values, model)
    else:
        if not problems:
            return config
    raise JobArgumentError("Bad job arguments:\n  " + "\n  ".join(problems))


def _validation_problems(exc: ValidationError, values: Mapping[str, str], model: type[JobConfig]) -> list[str]:
    """Every problem the model found; the location checks, which run only once every field is valid, are
    run here too on the valid ones, so a run with a missing argument and overlapping paths hears of both."""
    problems: list[str] = []
    failed = set()
    for error in exc.errors():
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, LocationError):
            # Raised by the model's own check, which runs only when every field is valid.
            return problems + cause.problems
        failed.add(str(error["loc"][0]) if error.get("loc") else "")
        problems.append(_describe(dict(error), model))
    valid = {}
    for name, field in model.model_fields.items():
        spellings = [spelling for spelling in (field.alias, name) if spelling]
        if not failed.intersection(spellings):
            valid[name] = next((values[spelling] for spelling in spellings if spelling in values), field.default)
    return problems + location_problems(model, valid)
