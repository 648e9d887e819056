"""Build the "Template options" page from cookiecutter.json, so the prompts have one source.

The page holds a marker; at build time this hook replaces it with two tables: the prompts
(key, question, default, choices) and the Glue runtime table under ``_glue``. A marker that
is missing, or a Glue version that has a prompt choice but no ``_glue`` row (or the reverse),
stops the build instead of publishing a page that disagrees with the template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

OPTIONS_PAGE = "options.md"
MARKER = "<!-- options-table -->"


def cookiecutter_json(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent / "cookiecutter.json"


def cell(value: object) -> str:
    """Text that cannot break a Markdown table row or be read as HTML."""
    text = " ".join(str(value).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def code(value: object) -> str:
    """A value as inline code; plain escaped text when backticks or pipes would break the span."""
    text = " ".join(str(value).split())
    if not text:
        return "(empty)"
    return cell(text) if "`" in text or "|" in text else f"`{text}`"


def prompt_text(prompt: Any) -> tuple[str, dict[str, str]]:
    """A ``__prompts__`` entry is a question, or for a choice a question plus a label per choice."""
    if isinstance(prompt, dict):
        labels = {key: str(label) for key, label in prompt.items() if key != "__prompt__"}
        return str(prompt.get("__prompt__", "")), labels
    return str(prompt or ""), {}


def choice_text(choice: object, labels: dict[str, str]) -> str:
    label = labels.get(str(choice), "")
    return f"{code(choice)}: {cell(label)}" if label and label != str(choice) else code(choice)


def prompts_table(context: dict[str, Any]) -> str:
    prompts = context.get("__prompts__", {})
    rows = ["| Option | Question | Default | Choices |", "|---|---|---|---|"]
    for key, value in context.items():
        if key.startswith("_"):
            continue  # private keys: computed or template-internal, never asked
        question, labels = prompt_text(prompts.get(key))
        if isinstance(value, list):
            default = code(value[0])
            choices = "<br>".join(choice_text(choice, labels) for choice in value)
        elif isinstance(value, bool):
            default, choices = ("yes" if value else "no"), "yes / no"
        else:
            default, choices = code(value), "free text (checked by the pre-generation hook)"
        rows.append(f"| `{key}` | {cell(question) or '-'} | {default} | {choices} |")
    return "\n".join(rows)


def check_glue_rows(context: dict[str, Any]) -> None:
    offered = [str(version) for version in context.get("glue_version", [])]
    described = list(context.get("_glue", {}))
    if sorted(offered) != sorted(described):
        raise PluginError(
            f"cookiecutter.json offers Glue versions {offered} but '_glue' describes {described}. "
            "Add or remove the '_glue' rows so both lists match."
        )


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def glue_table(context: dict[str, Any]) -> str:
    check_glue_rows(context)
    default = str(context["glue_version"][0])
    header = ["Glue", "Python", "Spark (pyspark pin)", "Java", "awsglue on PyPI", "Pinned libraries", "Pins from"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    details = []
    for version in sorted(context["_glue"], key=version_key, reverse=True):
        row = context["_glue"][version]
        label = f"**{version}** (default)" if version == default else f"**{version}**"
        interface = f"`AWSGlueDataplanePython=={row['awsglue']}`" if row.get("awsglue") else "none"
        pins = row.get("constraints", [])
        rows.append(
            f"| {label} | {cell(row['python'])} | {cell(row['spark'])} | {cell(row['java'])} | {interface} "
            f"| {len(pins)} | {cell(row.get('constraints_source', '-'))} |"
        )
        listed = "\n".join(f"    - `{cell(pin)}`" for pin in pins) or "    - (none)"
        details.append(f'??? note "Glue {version}: the {len(pins)} pinned libraries"\n\n{listed}\n')
    return "\n".join(rows) + "\n\n" + "\n".join(details)


def render(context: dict[str, Any]) -> str:
    return (
        "## Prompts\n\n"
        + prompts_table(context)
        + "\n\n## Glue runtimes\n\n"
        + "Each row is one entry of `_glue`. The rendered `pyproject.toml`, `.python-version` and "
        + "`Makefile` take their Python, pyspark, awsglue and constraint pins from the row of the chosen version.\n\n"
        + glue_table(context)
    )


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.src_uri != OPTIONS_PAGE:
        return markdown
    if MARKER not in markdown:
        raise PluginError(f"docs/{OPTIONS_PAGE} lost its marker {MARKER}; put it back where the tables belong.")
    source = cookiecutter_json(config)
    try:
        context = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PluginError(f"cannot read {source}: {exc}") from exc
    return markdown.replace(MARKER, render(context))


def on_serve(server: LiveReloadServer, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
    # `mkdocs serve` rebuilds when the prompts change, not only when the docs do.
    server.watch(str(cookiecutter_json(config)))
    return server
