"""Terraform read offline: the structural tests of ``infra/`` parse it with python-hcl2, no provider needed.

``terraform init`` and ``validate`` need the AWS provider, which these tests do not download. What they
can do is read every ``.tf`` (and ``.tf.json``) file of a module as data: its resources, data sources,
locals, variables and outputs, with each expression as its source text (``"${local.name}"``).
``interpolate`` resolves the simple ones (``${local.x}``, ``${var.x}`` with its default) so a test can
use a value exactly as Terraform would; anything more (functions, resources) stays an error, not a guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

# Plain values: labels and strings without their quotes, blocks as lists of dicts.
OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
_REFERENCE = re.compile(r"\$\{(local|var)\.([A-Za-z0-9_]+)\}")
_ANY_INTERPOLATION = re.compile(r"\$\{")


class TerraformReadError(ValueError):
    """A file that does not parse, or a value this reader cannot resolve; the message says which."""


@dataclass
class Module:
    """Everything one Terraform module declares, by kind; each block keyed by its labels."""

    root: Path
    # (type, name) -> arguments
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # File each block came from, for messages: (kind, label...) -> file name.
    files: dict[tuple[str, ...], str] = field(default_factory=dict)

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        try:
            return self.resources[(kind, name)]
        except KeyError:
            raise TerraformReadError(f"{self.root} declares no resource {kind}.{name}") from None

    def resources_of(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: body for (each, name), body in self.resources.items() if each == kind}

    def data_source(self, kind: str, name: str) -> dict[str, Any]:
        try:
            return self.data[(kind, name)]
        except KeyError:
            raise TerraformReadError(f"{self.root} declares no data source {kind}.{name}") from None

    def default(self, variable: str) -> Any:
        if variable not in self.variables or "default" not in self.variables[variable]:
            raise TerraformReadError(f"variable {variable} has no default in {self.root}")
        return self.variables[variable]["default"]

    def interpolate(self, value: Any, variables: Mapping[str, Any] | None = None) -> Any:
        """``value`` with every ``${local.x}`` and ``${var.x}`` replaced (``variables``, else the default).

        A string that is one reference becomes the referenced value itself (a map stays a map); other
        interpolations (functions, resources, ``each``) raise TerraformReadError.
        """
        given = variables or {}

        def lookup(kind: str, name: str) -> Any:
            if kind == "local":
                if name not in self.locals:
                    raise TerraformReadError(f"local.{name} is not declared in {self.root}")
                return self.interpolate(self.locals[name], given)
            return given[name] if name in given else self.default(name)

        if isinstance(value, dict):
            return {key: self.interpolate(item, given) for key, item in value.items()}
        if isinstance(value, list):
            return [self.interpolate(item, given) for item in value]
        if not isinstance(value, str):
            return value
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return lookup(whole[1], whole[2])
        text = _REFERENCE.sub(lambda match: str(lookup(match[1], match[2])), value)
        if _ANY_INTERPOLATION.search(text):
            raise TerraformReadError(f"cannot resolve {value!r} offline: only local and var references are")
        return text


def _blocks(parsed: Mapping[str, Any], kind: str) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Each block of ``kind`` as (labels, body), from python-hcl2's list-of-dicts form."""
    for entry in parsed.get(kind, []):
        if kind in ("resource", "data"):
            for type_name, named in entry.items():
                for name, body in named.items():
                    yield (type_name, name), body
        elif kind == "locals":
            yield (), entry
        else:
            for name, body in entry.items():
                yield (name,), body


def _json_blocks(parsed: Mapping[str, Any], kind: str) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """The same from Terraform's JSON syntax (``.tf.json``): objects keyed by label, "//" comments skipped."""
    section = parsed.get(kind, {})
    if kind in ("resource", "data"):
        for type_name, named in section.items():
            for name, body in named.items():
                yield (type_name, name), body
    elif kind == "locals":
        yield (), section
    else:
        for name, body in section.items():
            yield (name,), body


def load_module(root: Path) -> Module:
    """Every ``*.tf`` and ``*.tf.json`` file directly in ``root`` (Terraform reads no subfolders)."""
    module = Module(root)
    files = sorted(root.glob("*.tf")) + sorted(root.glob("*.tf.json"))
    if not files:
        raise TerraformReadError(f"{root} has no .tf files")
    for path in files:
        try:
            if path.name.endswith(".tf.json"):
                parsed, blocks = json.loads(path.read_text(encoding="utf-8")), _json_blocks
            else:
                with path.open(encoding="utf-8") as handle:
                    parsed, blocks = hcl2.load(handle, serialization_options=OPTIONS), _blocks
        except Exception as exc:  # python-hcl2 raises lark's errors, which share no base class with json's
            raise TerraformReadError(f"{path} does not parse: {exc}") from exc
        for kind, target in (
            ("resource", module.resources),
            ("data", module.data),
            ("variable", module.variables),
            ("output", module.outputs),
        ):
            for labels, body in blocks(parsed, kind):
                key: Any = labels if kind in ("resource", "data") else labels[0]
                if key in target:
                    raise TerraformReadError(f"{path.name}: {kind} {'.'.join(labels)} is declared twice")
                target[key] = body
                where = (kind, *labels)
                module.files[where] = path.name
        for _, body in blocks(parsed, "locals"):
            clash = sorted(set(body) & set(module.locals) - {"__comments__"})
            if clash:
                raise TerraformReadError(f"{path.name}: locals {clash} are declared twice")
            module.locals.update({name: value for name, value in body.items() if name != "__comments__"})
    return module


def load_tfvars(path: Path) -> dict[str, Any]:
    """One ``.tfvars`` file's assignments."""
    with path.open(encoding="utf-8") as handle:
        parsed = hcl2.load(handle, serialization_options=OPTIONS)
    return {name: value for name, value in parsed.items() if name != "__comments__"}


def statements(policy_document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statements of an ``aws_iam_policy_document`` data source."""
    return list(policy_document.get("statement", []))
