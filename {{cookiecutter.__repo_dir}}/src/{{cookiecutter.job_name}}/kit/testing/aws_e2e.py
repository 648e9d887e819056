"""The E2E in AWS: the deployed Glue job, run on this build's artifact, one isolated prefix per test.

``make e2e`` (after ``make deploy ENV=dev``) builds ``dist/`` with ``make package`` and runs ``tests/e2e``
with ``E2E=1``. Nothing here runs by accident: the tests are skipped unless ``E2E=1`` is set **and** the
credentials answer a short STS ``get_caller_identity``; moto's fake credentials, moto's account and any
endpoint that is not AWS's own (``AWS_ENDPOINT_URL=http://localhost:5000``) are refused.

Settings, from the environment (``E2ESettings.from_env``):

=======================  ==========================================================================
``E2E_ARTIFACTS``        required: ``s3://bucket/prefix`` the deployment uploads the artifact to (the
                         deployed job's script is ``<E2E_ARTIFACTS>/<manifest script key>``)
``E2E_INPUT``            required: base location of the job's inputs, ``s3://bucket[/prefix]``
``E2E_OUTPUT``           required: base location of its outputs
``E2E_QUARANTINE``       required: base location of the rows it sets aside
``E2E_TEMP``             required: base location of its temporary files (Glue's ``--TempDir``)
``E2E_GLUE_JOB``         the deployed Glue job; default ``<job name>-dev``, the dev deployment's name
``E2E_REGION``           default ``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then the template's region
``E2E_TIMEOUT_MINUTES``  how long one run may take before it is stopped and the test fails; default 30
``E2E_DPU_HOUR_PRICE``   USD per DPU-hour for the cost figure; default ``DPU_HOUR_PRICE``
``E2E_DENIED_ROLE_ARN``  a role that may not start the job, for the AccessDenied test (skipped without it)
=======================  ==========================================================================

Each test gets a run prefix of its own (``e2e/<test name>-<random>``) under every base location; the job's
arguments are the manifest's, filled with those prefixes, plus ``--additional-python-modules`` naming this
build's wheels, so the deployed job runs exactly this build. Everything under the prefix is deleted when
the test ends, pass or fail. The artifact itself is content-addressed (``<job>/<sha256[:16]>/<file>``)
and shared with the deployment, so it is uploaded when missing and never deleted.
"""

from __future__ import annotations

import base64
import ipaddress
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..args import ROLES
from ..deploy import Manifest, load_manifest
from ..io.s3 import delete_keys, list_objects, split_s3_uri

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_glue.type_defs import JobRunTypeDef
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sts import STSClient

OPT_IN = "E2E"
ARTIFACTS_VAR = "E2E_ARTIFACTS"
# One base location per location role: E2E_INPUT, E2E_OUTPUT, E2E_QUARANTINE, E2E_TEMP.
LOCATION_VARS = MappingProxyType({role: f"E2E_{role.upper()}" for role in ROLES})
GLUE_JOB_VAR = "E2E_GLUE_JOB"
REGION_VAR = "E2E_REGION"
TIMEOUT_VAR = "E2E_TIMEOUT_MINUTES"
PRICE_VAR = "E2E_DPU_HOUR_PRICE"
DENIED_ROLE_VAR = "E2E_DENIED_ROLE_ARN"
# The deployed job's name when E2E_GLUE_JOB is not set: the dev deployment's (make deploy ENV=dev).
DEFAULT_ENVIRONMENT = "dev"
DEFAULT_TIMEOUT_MINUTES = 30.0
# AWS Glue's list price for Spark jobs (standard execution class), USD per DPU-hour, in us-east-1 and
# eu-west-1 at the time of writing (aws.amazon.com/glue/pricing: "a Glue Apache Spark job that runs for
# 15 minutes and uses 6 DPU ... 6 DPU * 1/4 hour * $0.44, or $0.66"). Other regions, the Flex execution
# class and memory-optimised (R.*) workers are priced differently: set E2E_DPU_HOUR_PRICE.
DPU_HOUR_PRICE = 0.44
# DPUs per worker of each Glue worker type (Standard: 1 DPU, two executors).
WORKER_DPUS = MappingProxyType(
    {
        "G.025X": 0.25,
        "G.1X": 1.0,
        "G.2X": 2.0,
        "G.4X": 4.0,
        "G.8X": 8.0,
        "G.12X": 12.0,
        "G.16X": 16.0,
        "R.1X": 1.0,
        "R.2X": 2.0,
        "R.4X": 4.0,
        "R.8X": 8.0,
        "Z.2X": 2.0,
        "Standard": 1.0,
    }
)

# Access keys that only fakes hand out: moto's (its decorators set FOOBARKEY), the kit's test fixtures' and
# the usual emulator defaults. With one of them a "successful" probe means a mock answered, not AWS.
FAKE_ACCESS_KEYS = frozenset({"testing", "foobarkey", "test"})
# moto's default account: an identity in it comes from moto, whatever the key.
MOTO_ACCOUNT = "123456789012"
# Hosts of AWS's own endpoints (regional, FIPS, dual-stack, VPC interface endpoints, China).
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")
# The probe answers in seconds or not at all: one attempt, short timeouts.
PROBE_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 1, "mode": "standard"})
CLIENT_CONFIG = Config(retries={"total_max_attempts": 5, "mode": "standard"})

SUCCEEDED = "SUCCEEDED"
# Every state a run ends in other than SUCCEEDED: each fails the test with the run's ErrorMessage.
FAILED_STATES = frozenset({"FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"})
# Any other state (WAITING, STARTING, RUNNING, STOPPING, or one Glue adds later) is polled again.
FIRST_POLL_DELAY = 5.0
MAX_POLL_DELAY = 60.0
# After a timeout the run is stopped; this long is allowed for it to stop before the prefix is cleaned up.
STOP_GRACE_SECONDS = 300.0
RUN_ROOT = "e2e"
DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
NAME_LIMIT = 48

HOW_TO_RUN = (
    "To run them: deploy this build's job with 'make deploy ENV=dev', then run 'make e2e' (it builds dist/ "
    "with 'make package' and sets E2E=1) with credentials for that account (AWS_PROFILE, or AWS_ACCESS_KEY_ID "
    f"and AWS_SECRET_ACCESS_KEY [and AWS_SESSION_TOKEN]) and {ARTIFACTS_VAR}, "
    f"{', '.join(LOCATION_VARS.values())} set to the deployment's s3:// locations. Optional: {GLUE_JOB_VAR} "
    f"(default <job>-{DEFAULT_ENVIRONMENT}), {REGION_VAR}, {TIMEOUT_VAR}, {PRICE_VAR}, {DENIED_ROLE_VAR}."
)


class E2EError(RuntimeError):
    """The E2E cannot go on: what is wrong and how to fix it."""


class E2ESettingsError(E2EError):
    """The E2E_* settings are missing or malformed; one line per problem."""


class JobRunFailedError(E2EError):
    """A run ended in a state other than SUCCEEDED; ``error_message`` is the run's own ErrorMessage."""

    def __init__(self, job_name: str, run: JobRunTypeDef, report: RunReport) -> None:
        self.state = run.get("JobRunState", "")
        self.error_message = run.get("ErrorMessage", "")
        self.run_id = run.get("Id", "")
        self.report = report
        logs = run.get("LogGroupName", "/aws-glue/jobs")
        super().__init__(
            f"Glue run {self.run_id} of {job_name} ended {self.state}: "
            f"{self.error_message or '(no ErrorMessage)'}\nIts logs: CloudWatch log group {logs}/error "
            f"(and {logs}/output), stream {self.run_id}."
        )


class JobRunTimeoutError(E2EError):
    """A run did not end in time; it was asked to stop."""


def error_code(exc: ClientError) -> str:
    """The AWS error code of ``exc`` (``AccessDeniedException``, ``404``...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


# ---------------------------------------------------------------------------------------------- opting in


def resolve_region(environ: Mapping[str, str], default: str) -> str:
    return environ.get(REGION_VAR) or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or default


def probe_client(session: boto3.Session, region: str) -> STSClient:
    """The STS client of the probe: one attempt, short timeouts."""
    return session.client("sts", region_name=region, config=PROBE_CONFIG)


def probe_identity(client: STSClient) -> Mapping[str, str]:
    response = client.get_caller_identity()
    return {"Account": response.get("Account", ""), "Arn": response.get("Arn", "")}


def endpoint_problem(endpoint: str) -> str | None:
    """Why ``endpoint`` is not AWS's own (a moto server, an emulator...), or None when it is."""
    host = (urlsplit(endpoint).hostname or "").lower()
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if loopback:
        return f"{endpoint}, which is on this machine (a moto server or an emulator), not AWS"
    if not host.endswith(AWS_HOST_SUFFIXES):
        return f"{endpoint}, which is not an AWS endpoint"
    return None


def skip_reason(
    environ: Mapping[str, str],
    region: str,
    session: boto3.Session | None = None,
    probe: Callable[[STSClient], Mapping[str, str]] = probe_identity,
) -> str | None:
    """Why the AWS E2E must not run here (the skip message, with how to run it), or None when it may."""

    def skip(why: str) -> str:
        return f"AWS E2E skipped: {why}. {HOW_TO_RUN}"

    if environ.get(OPT_IN) != "1":
        return skip(f"they run the deployed Glue job in AWS and cost money, so they run only with {OPT_IN}=1")
    try:
        session = session or boto3.Session()
        credentials = session.get_credentials()
    except BotoCoreError as exc:  # a profile that does not exist, an expired SSO login...
        return skip(f"{OPT_IN}=1 but the AWS credentials could not be resolved ({type(exc).__name__}: {exc})")
    if credentials is None:
        return skip(f"{OPT_IN}=1 but no AWS credentials were found")
    access_key = credentials.get_frozen_credentials().access_key or ""
    if access_key.lower() in FAKE_ACCESS_KEYS:
        return skip(f"{OPT_IN}=1 but the access key is a fake one ({access_key!r}, moto's or a test fixture's)")
    endpoints = {
        "sts": session.client("sts", region_name=region).meta.endpoint_url,
        "glue": session.client("glue", region_name=region).meta.endpoint_url,
        "s3": session.client("s3", region_name=region).meta.endpoint_url,
    }
    for service, endpoint in endpoints.items():
        problem = endpoint_problem(endpoint)
        if problem:
            return skip(f"{OPT_IN}=1 but {service} goes to {problem} (AWS_ENDPOINT_URL* or endpoint_url in the config)")
    try:
        identity = probe(probe_client(session, region))
    except (BotoCoreError, ClientError, OSError, RuntimeError) as exc:
        # RuntimeError: pytest-socket's refusal, when the tests run without network.
        return skip(f"{OPT_IN}=1 but STS get_caller_identity failed in {region} ({type(exc).__name__}: {exc})")
    if identity.get("Account") == MOTO_ACCOUNT:
        return skip(f"{OPT_IN}=1 but STS answered as account {MOTO_ACCOUNT}, moto's; a mock is active")
    return None


# ---------------------------------------------------------------------------------------------- settings


def _location(name: str, value: str, problems: list[str], with_prefix: bool) -> str:
    cleaned = value.strip().rstrip("/")
    bucket, _, prefix = cleaned.removeprefix("s3://").partition("/")
    wanted = "s3://bucket/prefix" if with_prefix else "s3://bucket[/prefix]"
    if not cleaned.startswith("s3://") or not _BUCKET.match(bucket) or (with_prefix and not prefix):
        problems.append(f"{name}={value!r}: expected {wanted}.")
    elif "//" in prefix or any(part in (".", "..") for part in prefix.split("/")):
        problems.append(f"{name}={value!r}: the prefix has an empty, '.' or '..' segment; give a plain one.")
    return cleaned


def _number(environ: Mapping[str, str], name: str, default: float, problems: list[str], zero: bool) -> float:
    """``name``'s value as a number (``default`` when unset): above zero, or at least zero with ``zero``."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        problems.append(f"{name}={raw!r}: expected a number {'of 0 or more' if zero else 'above 0'}, e.g. {default:g}.")
        return default
    return value


@dataclass(frozen=True)
class E2ESettings:
    """Where and how the AWS E2E runs, from the E2E_* variables (see the module's table)."""

    glue_job: str
    region: str
    artifacts: str
    locations: Mapping[str, str]
    timeout_seconds: float
    dpu_hour_price: float
    denied_role_arn: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], job_name: str, default_region: str) -> E2ESettings:
        """Every problem at once, each naming its variable and the form it takes."""
        problems: list[str] = []
        artifacts = environ.get(ARTIFACTS_VAR, "")
        if not artifacts:
            problems.append(f"{ARTIFACTS_VAR}: missing; the s3://bucket/prefix the deployment uploads the artifact to.")
        else:
            artifacts = _location(ARTIFACTS_VAR, artifacts, problems, with_prefix=True)
        locations = {}
        for role, name in LOCATION_VARS.items():
            value = environ.get(name, "")
            if not value:
                problems.append(f"{name}: missing; the s3://bucket[/prefix] the deployed job may use for its {role}.")
            else:
                locations[role] = _location(name, value, problems, with_prefix=False)
        timeout = _number(environ, TIMEOUT_VAR, DEFAULT_TIMEOUT_MINUTES, problems, zero=False)
        price = _number(environ, PRICE_VAR, DPU_HOUR_PRICE, problems, zero=True)
        denied = environ.get(DENIED_ROLE_VAR, "").strip() or None
        if denied and not _ROLE_ARN.match(denied):
            problems.append(f"{DENIED_ROLE_VAR}={denied!r}: expected arn:aws:iam::<12-digit account>:role/<name>.")
        glue_job = environ.get(GLUE_JOB_VAR, "").strip() or f"{job_name}-{DEFAULT_ENVIRONMENT}"
        if problems:
            raise E2ESettingsError("The AWS E2E settings are incomplete:\n  " + "\n  ".join(problems))
        return cls(
            glue_job=glue_job,
            region=resolve_region(environ, default_region),
            artifacts=artifacts,
            locations=MappingProxyType(locations),
            timeout_seconds=timeout * 60,
            dpu_hour_price=price,
            denied_role_arn=denied,
        )


# ---------------------------------------------------------------------------------------------- one run's place


def run_prefix(test_name: str, token: Callable[[], str] = lambda: secrets.token_hex(4)) -> str:
    """``e2e/<test name, lower case, [a-z0-9_-] only, at most 48 characters>-<random hex>``."""
    name = _UNSAFE.sub("-", test_name.lower()).strip("-")[:NAME_LIMIT].rstrip("-") or "run"
    return f"{RUN_ROOT}/{name}-{token()}"


@dataclass(frozen=True)
class RunPlace:
    """One test's prefix under each base location, and the job's arguments pointing there."""

    prefix: str
    locations: Mapping[str, str]
    arguments: Mapping[str, str]


def run_locations(settings: E2ESettings, prefix: str) -> dict[str, str]:
    return {role: f"{base}/{prefix}" for role, base in settings.locations.items()}


def run_arguments(manifest: Manifest, settings: E2ESettings, prefix: str) -> dict[str, str]:
    """The manifest's arguments under ``prefix`` in every role's base, and this build's wheels to install."""
    return {
        **manifest.job_arguments(run_locations(settings, prefix)),
        "--additional-python-modules": manifest.python_modules(settings.artifacts),
    }


# ---------------------------------------------------------------------------------------------- S3


def _sha256_base64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def upload_artifacts(s3: S3Client, manifest: Manifest, dist: Path, artifacts: str) -> list[str]:
    """Each artifact to ``<artifacts>/<its manifest key>``, unless an object with its SHA-256 is there; the keys
    written. The SHA-256 goes with each upload, so S3 refuses a file that changed on the way."""
    bucket, prefix = split_s3_uri(artifacts)
    written = []
    for artifact in manifest.artifacts():
        key = f"{prefix.rstrip('/')}/{artifact.key}"
        checksum = _sha256_base64(artifact.sha256)
        try:
            present = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED").get("ChecksumSHA256")
        except ClientError as exc:
            if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
                raise
            present = None
        if present == checksum:
            continue
        body = (dist / artifact.file).read_bytes()
        s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum)
        written.append(key)
    return written


def upload_folder(s3: S3Client, folder: Path, uri: str) -> list[str]:
    """Every file under ``folder`` to ``uri``, keeping the relative paths; the keys written."""
    bucket, prefix = split_s3_uri(uri)
    keys = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            key = f"{prefix.rstrip('/')}/{path.relative_to(folder).as_posix()}"
            s3.upload_file(str(path), bucket, key)
            keys.append(key)
    return keys


def cleanup(s3: S3Client, uris: Iterable[str]) -> int:
    """Delete every object under each of ``uris`` (a folder: ``uri/...``, never a sibling that only starts
    with the same characters); how many were deleted."""
    deleted = 0
    for uri in dict.fromkeys(uris):
        bucket, prefix = split_s3_uri(uri)
        keys = [item["Key"] for item in list_objects(s3, bucket, prefix.rstrip("/") + "/")]
        delete_keys(s3, bucket, keys)
        deleted += len(keys)
    return deleted


# ---------------------------------------------------------------------------------------------- Glue


@dataclass(frozen=True)
class RunReport:
    """What a run took: its time, its DPU-seconds and their cost at ``dpu_hour_price``."""

    run_id: str
    state: str
    execution_seconds: int
    dpu_seconds: float | None
    dpu_hour_price: float

    @classmethod
    def of(cls, run: JobRunTypeDef, dpu_hour_price: float) -> RunReport:
        return cls(
            run_id=run.get("Id", ""),
            state=run.get("JobRunState", ""),
            execution_seconds=run.get("ExecutionTime", 0),
            dpu_seconds=dpu_seconds(run),
            dpu_hour_price=dpu_hour_price,
        )

    @property
    def dpu_hours(self) -> float | None:
        return None if self.dpu_seconds is None else self.dpu_seconds / 3600

    @property
    def cost(self) -> float | None:
        return None if self.dpu_hours is None else self.dpu_hours * self.dpu_hour_price

    def describe(self) -> str:
        if self.dpu_hours is None or self.cost is None:
            usage = "DPU usage unknown (no DPUSeconds, worker type or capacity in the run)"
        else:
            usage = f"{self.dpu_hours:.4f} DPU-hours, {self.cost:.4f} USD at {self.dpu_hour_price:g} USD per DPU-hour"
        return f"{self.run_id} {self.state} after {self.execution_seconds} s: {usage}"


def dpu_seconds(run: JobRunTypeDef) -> float | None:
    """Glue's own ``DPUSeconds`` (auto-scaling and Flex runs), else workers x DPUs per worker x execution time,
    else ``MaxCapacity`` x execution time; None when the run says none of these."""
    if "DPUSeconds" in run:
        return float(run["DPUSeconds"])
    seconds = run.get("ExecutionTime", 0)
    worker_type, workers = run.get("WorkerType"), run.get("NumberOfWorkers")
    if worker_type in WORKER_DPUS and workers:
        return workers * WORKER_DPUS[str(worker_type)] * seconds
    if run.get("MaxCapacity"):
        return float(run["MaxCapacity"]) * seconds
    return None


def check_deployed_job(glue: GlueClient, settings: E2ESettings, manifest: Manifest) -> None:
    """The deployed job runs this build's script and Glue version; else the E2E would test another build."""
    try:
        job = glue.get_job(JobName=settings.glue_job)["Job"]
    except ClientError as exc:
        if error_code(exc) != "EntityNotFoundException":
            raise
        raise E2EError(
            f"There is no Glue job {settings.glue_job!r} in {settings.region}: deploy it with 'make deploy "
            f"ENV={DEFAULT_ENVIRONMENT}', or set {GLUE_JOB_VAR} (and {REGION_VAR}) to the deployed job's name."
        ) from exc
    expected = manifest.script_location(settings.artifacts)
    deployed = job.get("Command", {}).get("ScriptLocation", "")
    if deployed != expected:
        raise E2EError(
            f"The deployed job {settings.glue_job!r} runs {deployed or '(no script)'}, not this build's script "
            f"{expected}: deploy this build first ('make deploy ENV={DEFAULT_ENVIRONMENT}'), or set "
            f"{ARTIFACTS_VAR} to where the deployment uploads the artifact."
        )
    if job.get("GlueVersion") != manifest.glue_version:
        raise E2EError(
            f"The deployed job {settings.glue_job!r} runs Glue {job.get('GlueVersion')}, this build is for Glue "
            f"{manifest.glue_version}: deploy this build first ('make deploy ENV={DEFAULT_ENVIRONMENT}')."
        )


def start_run(glue: GlueClient, job_name: str, arguments: Mapping[str, str], timeout_seconds: float) -> str:
    """Start a run; Glue itself stops it after ``timeout_seconds`` (rounded up to minutes), even if the
    test process dies."""
    try:
        return glue.start_job_run(
            JobName=job_name, Arguments=dict(arguments), Timeout=max(1, math.ceil(timeout_seconds / 60))
        )["JobRunId"]
    except ClientError as exc:
        if error_code(exc) != "ConcurrentRunsExceededException":
            raise
        raise E2EError(
            f"{job_name} already has as many runs as it may have at once: wait for them to end (Glue console, "
            f"or 'aws glue get-job-runs --job-name {job_name}'), then run the E2E again."
        ) from exc


def stop_run(glue: GlueClient, job_name: str, run_id: str) -> str:
    """Ask Glue to stop the run; what it answered, for the error message (never raises: a failed stop must
    not hide why the run was stopped)."""
    try:
        response = glue.batch_stop_job_run(JobName=job_name, JobRunIds=[run_id])
    except Exception as exc:
        return f"the stop request failed ({type(exc).__name__}: {exc})"
    errors = response.get("Errors", [])
    if errors:
        detail = errors[0].get("ErrorDetail", {})
        return f"the stop request failed ({detail.get('ErrorCode', '?')}: {detail.get('ErrorMessage', '')})"
    return "a stop was requested"


@dataclass
class Poller:
    """Polls a run until it ends: ``first_delay`` seconds, doubling up to ``max_delay``, within a deadline.

    boto3 has no Glue waiters; the clock and the sleep are the test's to replace.
    """

    glue: GlueClient
    job_name: str
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    first_delay: float = FIRST_POLL_DELAY
    max_delay: float = MAX_POLL_DELAY
    stop_grace: float = STOP_GRACE_SECONDS
    states: list[str] = field(default_factory=list)

    def poll(self, run_id: str, seconds: float) -> tuple[JobRunTypeDef, bool]:
        """The run once it ends (True), or as last seen when ``seconds`` have passed (False)."""
        deadline = self.clock() + seconds
        delay = self.first_delay
        while True:
            run = self.glue.get_job_run(JobName=self.job_name, RunId=run_id, PredecessorsIncluded=False)["JobRun"]
            state = run.get("JobRunState", "")
            self.states.append(state)
            if state == SUCCEEDED or state in FAILED_STATES:
                return run, True
            remaining = deadline - self.clock()
            if remaining <= 0:
                return run, False
            self.sleep(min(delay, remaining))
            delay = min(delay * 2, self.max_delay)

    def wait(self, run_id: str, timeout: float) -> JobRunTypeDef:
        """The run, once it ended in whatever state; stopped and JobRunTimeoutError after ``timeout`` seconds.

        Anything else that interrupts the wait (Ctrl-C, an API error) stops the run too, then propagates.
        """
        try:
            run, ended = self.poll(run_id, timeout)
        except BaseException:
            stop_run(self.glue, self.job_name, run_id)
            raise
        if ended:
            return run
        requested = stop_run(self.glue, self.job_name, run_id)
        final, stopped = self.poll(run_id, self.stop_grace)
        raise JobRunTimeoutError(
            f"Glue run {run_id} of {self.job_name} was still {run.get('JobRunState')} after {timeout:g} s; "
            f"{requested}, and it was {final.get('JobRunState')} "
            f"{'when it ended' if stopped else f'{self.stop_grace:g} s later'}. Raise {TIMEOUT_VAR} if the job "
            "needs longer, or look at the run in the Glue console."
        )


def expect_access_denied(glue: GlueClient, job_name: str, arguments: Mapping[str, str]) -> str:
    """``start_job_run`` as ``glue``'s caller must be refused; the error code. A run that starts is stopped."""
    try:
        run_id = glue.start_job_run(JobName=job_name, Arguments=dict(arguments), Timeout=1)["JobRunId"]
    except ClientError as exc:
        code = error_code(exc)
        if code in DENIED_CODES:
            return code
        raise AssertionError(f"start_job_run failed with {code}, not AccessDenied: {exc}") from exc
    stopped = stop_run(glue, job_name, run_id)
    raise AssertionError(
        f"the caller started run {run_id} of {job_name} ({stopped}): its role may start the job, and it must not."
    )


def assumed_session(sts: STSClient, role_arn: str, region: str, session_name: str = "aws-e2e") -> boto3.Session:
    """A session with ``role_arn``'s temporary credentials."""
    try:
        credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=900)[
            "Credentials"
        ]
    except ClientError as exc:
        raise E2EError(
            f"Could not assume {role_arn} ({exc}): let the E2E's caller assume it (its trust policy), or unset "
            f"{DENIED_ROLE_VAR}."
        ) from exc
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


# ---------------------------------------------------------------------------------------------- together


@dataclass
class AwsE2E:
    """What the AWS E2E tests use: the settings, this build's manifest, the clients, and each step."""

    settings: E2ESettings
    manifest: Manifest
    dist: Path
    session: boto3.Session
    glue: GlueClient
    s3: S3Client
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    reports: list[RunReport] = field(default_factory=list)

    @classmethod
    def connect(
        cls, settings: E2ESettings, manifest: Manifest, dist: Path, session: boto3.Session | None = None
    ) -> AwsE2E:
        session = session or boto3.Session()
        return cls(
            settings,
            manifest,
            dist,
            session,
            session.client("glue", region_name=settings.region, config=CLIENT_CONFIG),
            session.client("s3", region_name=settings.region, config=CLIENT_CONFIG),
        )

    def prepare(self) -> list[str]:
        """Check the deployed job runs this build, and upload the artifact; the keys written."""
        check_deployed_job(self.glue, self.settings, self.manifest)
        return upload_artifacts(self.s3, self.manifest, self.dist, self.settings.artifacts)

    @contextmanager
    def isolated_run(self, test_name: str) -> Iterator[RunPlace]:
        """A prefix of the test's own in every location, emptied when the test ends, pass or fail."""
        prefix = run_prefix(test_name)
        locations = run_locations(self.settings, prefix)
        try:
            yield RunPlace(prefix, locations, run_arguments(self.manifest, self.settings, prefix))
        finally:
            cleanup(self.s3, locations.values())

    def upload(self, folder: Path, uri: str) -> list[str]:
        return upload_folder(self.s3, folder, uri)

    def run(self, arguments: Mapping[str, str]) -> RunReport:
        """One run of the deployed job with ``arguments``; its report when it SUCCEEDED, else JobRunFailedError
        (with the run's ErrorMessage) or JobRunTimeoutError. Every report is kept in ``reports``."""
        run_id = start_run(self.glue, self.settings.glue_job, arguments, self.settings.timeout_seconds)
        poller = Poller(self.glue, self.settings.glue_job, sleep=self.sleep, clock=self.clock)
        run = poller.wait(run_id, self.settings.timeout_seconds)
        report = RunReport.of(run, self.settings.dpu_hour_price)
        self.reports.append(report)
        if report.state != SUCCEEDED:
            raise JobRunFailedError(self.settings.glue_job, run, report)
        return report

    def denied_glue(self) -> GlueClient:
        """A Glue client acting as ``E2E_DENIED_ROLE_ARN`` (set: the caller checks)."""
        if not self.settings.denied_role_arn:
            raise E2EError(f"{DENIED_ROLE_VAR} is not set.")
        sts = self.session.client("sts", region_name=self.settings.region)
        session = assumed_session(sts, self.settings.denied_role_arn, self.settings.region)
        return session.client("glue", region_name=self.settings.region, config=CLIENT_CONFIG)


def open_aws_e2e(environ: Mapping[str, str], dist: Path, default_region: str) -> AwsE2E:
    """Settings, manifest, clients, the deployed job checked and the artifact uploaded: ready for runs.

    Call it only once ``skip_reason`` said None.
    """
    manifest = load_manifest(dist)
    settings = E2ESettings.from_env(environ, manifest.job_name, default_region)
    e2e = AwsE2E.connect(settings, manifest, dist)
    e2e.prepare()
    return e2e


def table_uri(output_path: str, folder: str) -> str:
    """A table's location: its folder under ``--output_path`` (the output path itself for ``""``)."""
    return f"{output_path}/{folder}" if folder else output_path


def outside_tables(keys: Sequence[str], folders: Sequence[str]) -> list[str]:
    """The keys (relative to the output path) in none of the tables' ``folders``: what a run left beside them."""
    if "" in folders:  # the output path is itself a table: its own checks see everything
        return []
    prefixes = tuple(f"{folder}/" for folder in folders)
    return [key for key in keys if not key.startswith(prefixes)]
