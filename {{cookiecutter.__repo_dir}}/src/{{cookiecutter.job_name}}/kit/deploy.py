"""What a deployment of a job is made of, in one file everything else reads: ``dist/manifest.json``.

``make package`` writes it beside the artifact. It names the Glue script, the job's wheel and the wheels
of the dependencies Glue does not provide, each with its SHA-256 and the S3 key it is uploaded to, and
the job's arguments as templates over four base locations, one per location role:
``{input}``, ``{output}``, ``{quarantine}`` and ``{temp}`` (``s3://<bucket>[/<prefix>]``).
Terraform fills them with its buckets, the local E2E with its moto buckets, and the AWS E2E with a
prefix of its own per test, so all three run the job with the same argument set.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import BaseModel

from .args import ROLES, location_role

MANIFEST = "manifest.json"
# Arguments Glue sets itself on every run: never part of the job's argument set.
SET_BY_GLUE = frozenset({"JOB_NAME", "JOB_RUN_ID", "JOB_ID", "TempDir"})
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class ManifestError(ValueError):
    """The manifest, or what is asked of it, is wrong; the message says what and how to fix it."""


@dataclass(frozen=True)
class Artifact:
    """One uploaded file: its name in ``dist/``, its SHA-256 and its key under the artifacts location."""

    file: str
    sha256: str
    key: str

    @classmethod
    def of(cls, path: Path, job_name: str) -> Artifact:
        """``path``'s hash, and a key that changes with its content (``<job>/<sha256[:16]>/<file name>``).

        The file name is kept as it is: pip installs a wheel only under its own name.
        """
        digest = sha256_of(path)
        return cls(file=path.name, sha256=digest, key=f"{job_name}/{digest[:16]}/{path.name}")


@dataclass(frozen=True)
class Manifest:
    job_name: str
    glue_version: str
    version: str
    script: Artifact
    wheel: Artifact
    # Wheels of what the job needs and the Glue runtime lacks, installed with the job's wheel.
    dependencies: tuple[Artifact, ...] = ()
    # Argument (``--name``) -> value template over ``{input}``, ``{output}``, ``{quarantine}``, ``{temp}``.
    arguments: Mapping[str, str] = field(default_factory=dict)

    def script_location(self, artifacts: str) -> str:
        return f"{artifacts.rstrip('/')}/{self.script.key}"

    def python_modules(self, artifacts: str) -> str:
        """``--additional-python-modules``: the job's wheel and each carried dependency, as S3 URIs."""
        base = artifacts.rstrip("/")
        return ",".join(f"{base}/{artifact.key}" for artifact in (self.wheel, *self.dependencies))

    def job_arguments(self, locations: Mapping[str, str]) -> dict[str, str]:
        """The job's arguments for ``locations`` (role -> base location), ``--TempDir`` included."""
        return fill_arguments(self.arguments, locations)

    def artifacts(self) -> tuple[Artifact, ...]:
        return (self.script, self.wheel, *self.dependencies)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        try:
            return cls(
                job_name=data["job_name"],
                glue_version=data["glue_version"],
                version=data["version"],
                script=Artifact(**data["script"]),
                wheel=Artifact(**data["wheel"]),
                dependencies=tuple(Artifact(**item) for item in data.get("dependencies", [])),
                arguments=dict(data.get("arguments", {})),
            )
        except (KeyError, TypeError) as exc:
            raise ManifestError(f"the manifest is incomplete ({exc}); rebuild it with 'make package'.") from exc


def load_manifest(dist: Path) -> Manifest:
    path = dist / MANIFEST
    if not path.is_file():
        raise ManifestError(f"{path} does not exist; build the artifact first with 'make package'.")
    manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
    for artifact in manifest.artifacts():
        built = dist / artifact.file
        if not built.is_file() or sha256_of(built) != artifact.sha256:
            raise ManifestError(
                f"{built} is missing or is not the file the manifest names (sha256 {artifact.sha256[:16]}...); "
                "rebuild with 'make package'."
            )
    return manifest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def placeholder(role: str) -> str:
    """``'input'`` -> ``'{input}'``: where a base location goes in an argument template."""
    return "{" + role + "}"


def argument_templates(config_type: type[BaseModel], job_name: str) -> dict[str, str]:
    """The argument set every deployment of the job sets, as templates: each location argument under the
    base of its role, ``<base>/<job_name>/<name without _path>``, and Glue's ``--TempDir`` under ``{temp}``.

    An argument without a default that is no location cannot be templated: that is an error naming it,
    so the set stays complete (``make package`` fails rather than ship a job Glue cannot start).
    """
    arguments: dict[str, str] = {"--TempDir": placeholder("temp") + f"/{job_name}/glue-temp"}
    missing = []
    for name, info in config_type.model_fields.items():
        argument = info.alias or name
        if argument in SET_BY_GLUE:
            continue
        role = location_role(info)
        if role is not None and info.is_required():
            arguments[f"--{argument}"] = placeholder(role) + f"/{job_name}/{name.removesuffix('_path')}"
        elif info.is_required():
            missing.append(f"--{argument}")
    if missing:
        raise ManifestError(
            f"{', '.join(missing)}: required and not a location, so no deployment can fill it in. Give it a "
            "default in the job's config model, or make it a location (InputPath, OutputPath...)."
        )
    return arguments


def fill_arguments(templates: Mapping[str, str], locations: Mapping[str, str]) -> dict[str, str]:
    """``templates`` with each ``{role}`` replaced by ``locations[role]`` (its trailing ``/`` dropped)."""
    unknown = sorted(set(locations) - set(ROLES))
    if unknown:
        raise ManifestError(f"unknown location roles {unknown}; the roles are {', '.join(ROLES)}.")
    filled, missing = {}, set()
    for argument, template in templates.items():
        wanted = set(_PLACEHOLDER.findall(template))
        missing |= wanted - set(locations)
        filled[argument] = _PLACEHOLDER.sub(lambda match: locations.get(match[1], match[0]).rstrip("/"), template)
    if missing:
        raise ManifestError(
            f"no location given for {', '.join(sorted(missing))}: the arguments need one base location per role used."
        )
    return filled


def as_argv(arguments: Mapping[str, str]) -> list[str]:
    """``{'--a': '1'}`` -> ``['--a', '1']``, in a stable order."""
    return [token for name in sorted(arguments) for token in (name, arguments[name])]
