"""Validate every answer before anything is written. Bad answer: print ``ERROR: <what>. <how to fix>``, exit 1."""

from __future__ import annotations

import json
import keyword
import re
import sys
from typing import Any

GLUE_VERSIONS = ("5.1", "6.0", "5.0", "4.0")
# Batch worker types from the Glue docs; botocore's enum lags them. G.025X is streaming-only.
WORKER_TYPES = ("G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X")
CI_CHOICES = ("github_actions", "none")
SCHEMA_FORMATS = ("pyspark", "avro", "glue")
# Room for the package name in 120-column import lines; Glue itself allows 255 bytes.
MAX_JOB_NAME = 40
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
JOB_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
STANDARD_LIBRARY = "Python standard library"


def shadowed_module_source(name: str, reserved: dict[str, str]) -> str | None:
    """Where the module a package called ``name`` would hide comes from, if there is one."""
    # ``reserved`` (scripts/sync_reserved_names.py) covers every Glue Python; this covers the one running.
    if name in getattr(sys, "stdlib_module_names", ()):
        return STANDARD_LIBRARY
    return reserved.get(name)


def disallowed_characters(name: str) -> str:
    found = dict.fromkeys(char for char in name if not (char.isascii() and (char.isalnum() or char == "_")))
    return ", ".join(f"'{char}'" for char in found)


def job_name_errors(name: str, reserved: dict[str, str]) -> list[str]:
    fix = "Use lower-case snake_case starting with a letter, e.g. 'orders_star_schema'"
    if not name:
        return [f"job_name is empty. {fix}."]
    if len(name) > MAX_JOB_NAME:
        return [f"job_name is {len(name)} characters; the limit is {MAX_JOB_NAME}. Choose a shorter name."]
    if not name.isascii():
        return [f"job_name '{name}' has non-ASCII characters. {fix}."]
    if "-" in name:
        return [f"job_name '{name}' has hyphens, which Python packages and Glue arguments reject. {fix}."]
    if " " in name:
        return [f"job_name '{name}' has spaces. {fix}."]
    if name[0].isdigit():
        return [f"job_name '{name}' starts with a digit, which is not a Python identifier. {fix}."]
    if name != name.lower():
        return [f"job_name '{name}' has upper case; Glue catalog names are lower case. {fix}."]
    if not JOB_NAME.fullmatch(name):
        found = disallowed_characters(name)
        return [f"job_name '{name}' has characters other than a-z, 0-9 and '_' ({found}). {fix}."]
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return [f"job_name '{name}' is a Python keyword and cannot be a package name. Add a word, e.g. '{name}_job'."]
    source = shadowed_module_source(name, reserved)
    if source is not None:
        where = source if source == STANDARD_LIBRARY else f"installed by {source}"
        return [
            f"job_name '{name}' is the name of a module the job imports ({where}) — as the package name it would "
            f"hide that module. Add a word, e.g. '{name}_job'."
        ]
    return []


def workers_errors(value: Any) -> list[str]:
    text = str(value).strip()
    if not text.isdigit():
        return [f"number_of_workers '{value}' is not a whole number. Enter an integer of at least 2."]
    if int(text) < 2:
        return [f"number_of_workers is {text}; Glue Spark jobs need at least 2. Enter 2 or more."]
    return []


def choice_errors(name: str, value: Any, choices: tuple[str, ...]) -> list[str]:
    if value in choices:
        return []
    return [f"{name} '{value}' is not supported. Choose one of: {', '.join(choices)}."]


def text_errors(name: str, value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return [f"{name} is empty. Enter a short value (any characters are fine)."]
    return []


def validate(answers: dict[str, Any]) -> list[str]:
    """Every problem with the answers, so one run reports them all."""
    # Every top-level module of the Glue runtimes and the rendered repos' venvs (a private key, never asked).
    reserved = answers.get("_reserved_module_names") or {}
    errors = job_name_errors(str(answers.get("job_name", "")), reserved)
    errors += choice_errors("glue_version", answers.get("glue_version"), GLUE_VERSIONS)
    errors += choice_errors("worker_type", answers.get("worker_type"), WORKER_TYPES)
    errors += choice_errors("ci", answers.get("ci"), CI_CHOICES)
    errors += choice_errors("schema_format", answers.get("schema_format"), SCHEMA_FORMATS)
    errors += workers_errors(answers.get("number_of_workers"))
    errors += text_errors("job_description", answers.get("job_description"))
    errors += text_errors("owner", answers.get("owner"))
    if not REGION.fullmatch(str(answers.get("aws_region", ""))):
        errors.append(f"aws_region '{answers.get('aws_region')}' is not an AWS region name. Use e.g. 'eu-west-1'.")
    for key, value in answers.items():
        if (key.startswith("pattern_") or key == "include_example") and not isinstance(value, bool):
            errors.append(f"{key} must be true or false, got '{value}'. Answer y/n, or true/false in a config file.")
    if answers.get("pattern_point_in_time") is True and answers.get("include_example") is False:
        errors.append(
            "pattern_point_in_time needs include_example: it snapshots the example's dimension tables, and the "
            "minimal job has none. Answer include_example=yes, or pattern_point_in_time=no."
        )
    return errors


def main(answers: dict[str, Any]) -> int:
    errors = validate(answers)
    for error in errors:
        # One line per error, even when an answer holds a newline.
        print("ERROR: " + error.replace("\n", "\\n"), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(json.loads(r"""{{ cookiecutter | tojson }}""")))
