"""Glue job arguments -> a typed, validated config.

Arguments arrive as ``getResolvedOptions`` expects them: ``--name value`` pairs in ``sys.argv``.
Glue adds its own (``--JOB_ID``, ``--TempDir``, ``--job-bookmark-option``...), so unknown names
are ignored; a job's own names must match exactly (Glue 6.0 rejects abbreviations too).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ConfigT = TypeVar("ConfigT", bound="JobConfig")


class JobArgumentError(ValueError):
    """Raised with every bad or missing argument listed, each with how to fix it."""


# A run id names a folder (quarantine/<dataset>/run_id=<id>), so no slashes, spaces or '='.
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


def local_run_id() -> str:
    """An id for a run outside Glue: ``local-<UTC timestamp>-<random>``, sortable and unique."""
    return f"local-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"


class JobConfig(BaseModel):
    """Base for a job's arguments. Field names are the argument names (underscores, never hyphens)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    job_name: str = Field(alias="JOB_NAME", min_length=1, description="Set by Glue; pass --JOB_NAME locally.")
    run_id: str = Field(
        alias="JOB_RUN_ID",
        default_factory=local_run_id,
        pattern=RUN_ID_PATTERN,
        description="Set by Glue on every run; generated for local runs.",
    )

    def as_arguments(self) -> dict[str, str]:
        """The arguments as Glue's ``Job.init`` takes them (names without dashes, string values).

        Only the arguments the run was given, as ``getResolvedOptions`` returns them, plus the run id.
        """
        given = self.model_dump(by_alias=True, exclude_unset=True, exclude_none=True)
        return {name: str(value) for name, value in {**given, "JOB_RUN_ID": self.run_id}.items()}


class IntakeJobConfig(JobConfig):
    """Arguments of a job that checks its raw inputs against their contracts: rejected rows need a home.

    The quarantine location is required, not defaulted: rejected rows are raw source data, and where
    they may live (bucket, retention, who can read them) is a deployment decision, not a guess
    under the output path.
    """

    quarantine_path: str = Field(
        min_length=1,
        description="folder or s3:// prefix for rejected rows: <quarantine_path>/<dataset>/run_id=<run id>/",
    )


def split_arguments(argv: Sequence[str]) -> dict[str, str]:
    """``['script', '--a', '1', '--b=2']`` -> ``{'a': '1', 'b': '2'}``; later values win, as in argparse."""
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
            raise JobArgumentError(f"Job argument '--{name}' has no value. Pass it as '--{name} <value>'.")
        values[name] = tokens[index + 1]
        index += 2
    return values


def _describe(error: dict[str, object], model: type[JobConfig]) -> str:
    name = str(error["loc"][0]) if error.get("loc") else "?"  # type: ignore[index]
    field = model.model_fields.get(name)
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
    values = split_arguments(argv)
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = [_describe(dict(error), model) for error in exc.errors()]
        raise JobArgumentError("Bad job arguments:\n  " + "\n  ".join(problems)) from None
