"""Recovering from job failures and delays: reruns that give the same tables, and inputs checked for being late.

**Reruns.** A Glue retry (``max_retries``) or an operator's rerun runs the whole script again. Every write of
the kit overwrites (or, with the bookmarks pattern, merges by key) and is staged first: a run that fails at
any step leaves every table as the last run left it, or, if it failed while publishing, as the next write
finishes it (``kit/io/publish``'s journal). So a rerun gives the tables a clean run gives, without a
duplicate and without a leftover; ``tests/integration/test_recovery_job.py`` fails the job at each write
step and proves it. Nothing in this module is needed for that: it is how the kit writes.

**Late inputs.** The declaration (``jobs/<job>.json``, key ``recovery``) names the inputs that must be fresh,
those a late upstream export leaves stale (not the lookup tables that rarely change)::

    "recovery": {"fresh_inputs": ["orders", "orderdetails"]}

With ``--max_input_age_hours N`` (Terraform sets it on the deployed job), each of them must hold a file
last modified less than N hours before the run lists it (as it opens its inputs); otherwise the run stops
before any row is read, or, with ``--stale_inputs warn`` (a catch-up run of old data), goes on with a
warning. Without the argument (local runs, tests) nothing is checked. An input with no file at all is stale.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyspark.sql import SparkSession

from . import Pattern

LOG = logging.getLogger(__name__)
HOUR = 3600.0
SETTINGS_SHAPE = 'Expected {"fresh_inputs": [input, ...]}.'


class StaleInputError(RuntimeError):
    """A fresh input's newest file is older than the run allows: the upstream export is late."""


class RecoveryError(ValueError):
    """The declaration's recovery settings do not fit the job."""


class RecoveryArguments(BaseModel):
    """How old a fresh input's newest file may be, and what a stale one does to the run."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    max_input_age_hours: float | None = Field(
        default=None,
        gt=0,
        description="the newest file of each input the declaration's recovery.fresh_inputs names must be younger "
        "than this many hours; absent: not checked",
    )
    stale_inputs: Literal["fail", "warn"] = Field(
        default="fail",
        description="what a stale input does: fail (the default) stops the run before reading, warn goes on "
        "(a catch-up run of old data)",
    )


class RecoverySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    fresh_inputs: list[str] = Field(default_factory=list)


def parse_settings(settings: Mapping[str, Any]) -> RecoverySettings:
    try:
        return RecoverySettings.model_validate(settings or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'recovery'}: {error['msg']}" for error in exc.errors()
        )
        raise RecoveryError(f"recovery settings: {problems}. {SETTINGS_SHAPE}") from None


def staleness(name: str, listed: Mapping[str, int], max_age_hours: float, now: float) -> str | None:
    """Why input ``name`` is stale (its files: path -> last-modified ms), or None when its newest file is young
    enough at ``now`` (seconds since the epoch)."""
    if not listed:
        return f"{name} has no file at all"
    newest, modified = max(listed.items(), key=lambda item: item[1])
    age = (now - modified / 1000) / HOUR
    if age < max_age_hours:
        return None
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(modified / 1000))
    return f"{name}'s newest file ({newest}, last modified {stamp}) is {age:.1f} hours old"


def _check_freshness(
    spark: SparkSession,
    name: str,
    path: str,
    format_name: str,
    listed: Mapping[str, int],
    settings: Any,
    arguments: Any,
) -> None:
    """Checks, never chooses: every listed file is still read."""
    if arguments.max_input_age_hours is None or name not in parse_settings(settings).fresh_inputs:
        return None
    why = staleness(name, listed, arguments.max_input_age_hours, time.time())
    if why is None:
        return None
    message = (
        f"{why}, older than --max_input_age_hours {arguments.max_input_age_hours:g} allows: the upstream export "
        f"of {path} is late."
    )
    if arguments.stale_inputs == "warn":
        LOG.warning("%s Going on (--stale_inputs warn).", message)
        return None
    raise StaleInputError(
        f"{message} Nothing was written. Rerun once it has landed, or pass --stale_inputs warn to process what "
        "is there (a catch-up run of old data)."
    )


def _validate(outputs: Mapping[str, Sequence[str]], settings: Any, arguments: Any) -> None:
    parse_settings(settings)


PATTERN = Pattern(name="recovery", arguments=RecoveryArguments, validate=_validate, admit_files=_check_freshness)
