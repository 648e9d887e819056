"""The AWS E2E's own logic, offline against moto: when it runs, its settings, each run's place and arguments,
the upload and the cleanup, the deployed-job check, the poller and each state a run ends in, and the cost.

moto 5.1.22's Glue job runs succeed on the first ``get_job_run`` by default; ``job_runs`` makes them step
STARTING -> RUNNING -> SUCCEEDED as they are polled. moto has no ``batch_stop_job_run`` (it raises
NotImplementedError), so the tests that stop a run record the request instead; a state moto cannot produce
(FAILED, WAITING...) comes from ``get_job_run`` patched on top of moto's own answer.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber
from moto import mock_aws
from moto.moto_api import state_manager

from {{ cookiecutter.job_name }}.kit.deploy import Artifact, Manifest, ManifestError, load_manifest
from {{ cookiecutter.job_name }}.kit.testing.aws_e2e import (
    AwsE2E,
    E2EError,
    E2ESettings,
    E2ESettingsError,
    JobRunFailedError,
    JobRunTimeoutError,
    Poller,
    RunReport,
    check_deployed_job,
    cleanup,
    dpu_seconds,
    endpoint_problem,
    expect_access_denied,
    open_aws_e2e,
    outside_tables,
    probe_client,
    resolve_region,
    run_arguments,
    run_prefix,
    skip_reason,
    start_run,
    upload_artifacts,
    upload_folder,
)
from {{ cookiecutter.job_name }}.kit.testing.fixtures import TEST_REGION

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_glue.type_defs import JobRunTypeDef
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sts import STSClient

JOB = "sales"
GLUE_JOB = "sales-dev"
BUCKETS = ("artifacts-bucket", "raw-bucket", "curated-bucket", "quarantine-bucket", "temp-bucket")
ENVIRON = {
    "E2E_ARTIFACTS": "s3://artifacts-bucket/glue/",
    "E2E_INPUT": "s3://raw-bucket",
    "E2E_OUTPUT": "s3://curated-bucket/dev",
    "E2E_QUARANTINE": "s3://quarantine-bucket",
    "E2E_TEMP": "s3://temp-bucket/scratch",
}
# Credentials that look real: no fake key, so only the other checks can refuse them.
REAL_LOOKING = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG"}
# The account a probe that "worked" answers with in the tests that mean it to.
OTHER_ACCOUNT = "210987654321"
ROLE = "arn:aws:iam::123456789012:role/glue-reader"
ON_THIS_MACHINE = ", which is on this machine (a moto server or an emulator), not AWS"


@dataclass
class FakeClock:
    """``clock()`` and ``sleep()`` of a poller: time passes only when it sleeps."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def settings(**overrides: str) -> E2ESettings:
    return E2ESettings.from_env({**ENVIRON, **overrides}, JOB, TEST_REGION)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A small stand-in for ``make package``'s dist/: a script, the job's wheel, one carried wheel, the manifest."""
    folder = tmp_path / "dist"
    folder.mkdir()
    files = {
        "sales.py": b"from sales.jobs.sales import main\n",
        "sales-0.1.0-py3-none-any.whl": b"the job's wheel",
        "pydantic-2.12.5-py3-none-any.whl": b"a carried dependency",
    }
    for name, body in files.items():
        (folder / name).write_bytes(body)
    script, wheel, dependency = (Artifact.of(folder / name, JOB) for name in files)
    manifest = Manifest(
        job_name=JOB,
        glue_version="5.1",
        version="0.1.0",
        script=script,
        wheel=wheel,
        dependencies=(dependency,),
        arguments={
            "--TempDir": "{temp}/sales/glue-temp",
            "--raw_path": "{input}/sales/raw",
            "--output_path": "{output}/sales/output",
            "--quarantine_path": "{quarantine}/sales/quarantine",
        },
    )
    (folder / "manifest.json").write_text(manifest.to_json())
    return folder


@pytest.fixture
def manifest(dist: Path) -> Manifest:
    return load_manifest(dist)


@dataclass(frozen=True)
class Aws:
    s3: S3Client
    glue: GlueClient
    sts: STSClient


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[Aws]:
    """moto's S3 (a bucket per location and one for the artifact), Glue and STS."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=TEST_REGION)
        for bucket in BUCKETS:
            s3.create_bucket(Bucket=bucket)
        yield Aws(s3, boto3.client("glue", region_name=TEST_REGION), boto3.client("sts", region_name=TEST_REGION))


@pytest.fixture
def deployed(aws: Aws, manifest: Manifest) -> Aws:
    """The dev deployment of this build: its job runs the manifest's script, on the manifest's Glue version."""
    create_job(aws, manifest.script_location(settings().artifacts), "5.1")
    return aws


def create_job(aws: Aws, script: str, glue_version: str) -> None:
    """The deployed Glue job, on two G.1X workers."""
    aws.glue.create_job(
        Name=GLUE_JOB,
        Role="arn:aws:iam::123456789012:role/sales-glue",
        Command={"Name": "glueetl", "ScriptLocation": script},
        GlueVersion=glue_version,
        WorkerType="G.1X",
        NumberOfWorkers=2,
    )


@pytest.fixture
def job_runs() -> Iterator[Callable[[int], None]]:
    """Make moto's job runs advance one state every ``polls`` get_job_run calls (STARTING -> RUNNING -> SUCCEEDED)."""

    def step_every(polls: int) -> None:
        state_manager.set_transition("glue::job_run", {"progression": "manual", "times": polls})

    yield step_every
    state_manager.unset_transition("glue::job_run")


@pytest.fixture
def stops(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every batch_stop_job_run request (moto has none), answered as a successful submission."""
    requests: list[dict[str, Any]] = []

    def batch_stop_job_run(**kwargs: Any) -> dict[str, Any]:
        requests.append(kwargs)
        return {"SuccessfulSubmissions": [{"JobName": kwargs["JobName"], "JobRunId": kwargs["JobRunIds"][0]}]}

    monkeypatch.setattr(aws.glue, "batch_stop_job_run", batch_stop_job_run)
    return requests


def e2e_of(aws: Aws, manifest: Manifest, dist: Path, clock: FakeClock, **overrides: str) -> AwsE2E:
    return AwsE2E(settings(**overrides), manifest, dist, boto3.Session(), aws.glue, aws.s3, clock.sleep, clock)


def states_then_moto(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, states: list[str], error: str = ""
) -> Callable[..., dict[str, Any]]:
    """Patch get_job_run: moto's answer, with the run's state taken from ``states`` while any are left."""
    real = aws.glue.get_job_run
    pending = list(states)

    def get_job_run(**kwargs: Any) -> dict[str, Any]:
        answer: dict[str, Any] = dict(real(**kwargs))
        if pending:
            answer["JobRun"] = {**answer["JobRun"], "JobRunState": pending.pop(0)}
            if error:
                answer["JobRun"]["ErrorMessage"] = error
        return answer

    monkeypatch.setattr(aws.glue, "get_job_run", get_job_run)
    return get_job_run


def keys_in(s3: S3Client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


# ---------------------------------------------------------------------------------------------- opting in


def never_probed(client: STSClient) -> Mapping[str, str]:
    raise AssertionError("the probe ran, but the checks before it should have refused")


def answers_as(account: str) -> Callable[[STSClient], Mapping[str, str]]:
    return lambda client: {"Account": account, "Arn": f"arn:aws:iam::{account}:user/ci"}


@pytest.fixture
def no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials anywhere boto3 looks: no variables, no files, no instance or container metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def real_looking_credentials(no_credentials: None, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REAL_LOOKING.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("environ", [{}, {"E2E": "0"}, {"E2E": "true"}, {"E2E": ""}])
def test_without_e2e_1_they_skip_saying_exactly_how_to_run_them(
    environ: dict[str, str], real_looking_credentials: None
) -> None:
    reason = skip_reason(environ, TEST_REGION, probe=never_probed)

    assert reason is not None
    assert "only with E2E=1" in reason
    assert "'make deploy ENV=dev'" in reason
    assert "'make e2e'" in reason
    for name in ("E2E_ARTIFACTS", "E2E_INPUT", "E2E_OUTPUT", "E2E_QUARANTINE", "E2E_TEMP", "E2E_GLUE_JOB"):
        assert name in reason


def test_e2e_1_without_credentials_skips(no_credentials: None) -> None:
    reason = skip_reason({"E2E": "1"}, TEST_REGION, probe=never_probed)

    assert reason is not None
    assert "E2E=1 but no AWS credentials were found" in reason
    assert "'make e2e'" in reason


def test_e2e_1_with_a_profile_that_does_not_exist_skips(no_credentials: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "dev-account")

    reason = skip_reason({"E2E": "1"}, TEST_REGION, probe=never_probed)

    assert reason is not None
    assert "could not be resolved (ProfileNotFound" in reason


def test_the_test_fixtures_fake_credentials_are_refused(aws_credentials: None) -> None:
    reason = skip_reason({"E2E": "1"}, TEST_REGION, probe=answers_as(OTHER_ACCOUNT))

    assert reason is not None
    assert "the access key is a fake one ('testing'" in reason


def test_moto_s_own_credentials_are_refused_while_moto_is_active(real_looking_credentials: None) -> None:
    with mock_aws():  # sets AWS_ACCESS_KEY_ID=FOOBARKEY
        reason = skip_reason({"E2E": "1"}, TEST_REGION, probe=answers_as(OTHER_ACCOUNT))

    assert reason is not None
    assert "the access key is a fake one ('FOOBARKEY'" in reason


@pytest.mark.parametrize(
    ("variable", "endpoint", "service"),
    [
        ("AWS_ENDPOINT_URL", "http://localhost:5000", "sts"),
        ("AWS_ENDPOINT_URL_GLUE", "http://127.0.0.1:5000", "glue"),
        ("AWS_ENDPOINT_URL_S3", "http://[::1]:9000", "s3"),
    ],
)
def test_an_endpoint_on_this_machine_is_refused(
    variable: str, endpoint: str, service: str, real_looking_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, endpoint)

    reason = skip_reason({"E2E": "1", variable: endpoint}, TEST_REGION, probe=answers_as(OTHER_ACCOUNT))

    assert reason is not None
    assert f"{service} goes to {endpoint}{ON_THIS_MACHINE}" in reason


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        ("https://glue.eu-west-1.amazonaws.com", None),
        ("https://sts-fips.us-east-1.amazonaws.com", None),
        ("https://glue.cn-north-1.amazonaws.com.cn", None),
        ("https://s3.dualstack.eu-west-1.api.aws", None),
        ("http://localhost:5000", f"http://localhost:5000{ON_THIS_MACHINE}"),
        ("http://127.0.0.2:5000", f"http://127.0.0.2:5000{ON_THIS_MACHINE}"),
        ("http://moto.localhost", f"http://moto.localhost{ON_THIS_MACHINE}"),
        ("http://motoserver:5000", "http://motoserver:5000, which is not an AWS endpoint"),
        ("https://amazonaws.com.example.org", "https://amazonaws.com.example.org, which is not an AWS endpoint"),
    ],
)
def test_only_aws_s_own_endpoints_pass(endpoint: str, problem: str | None) -> None:
    assert endpoint_problem(endpoint) == problem


def test_real_looking_credentials_that_sts_answers_let_them_run(real_looking_credentials: None) -> None:
    """The whole check, the real probe included, with moto's STS answering as an account that is not moto's."""
    with mock_aws(), mock.patch.dict(os.environ, {**REAL_LOOKING, "MOTO_ACCOUNT_ID": OTHER_ACCOUNT}):
        assert skip_reason({"E2E": "1"}, TEST_REGION) is None


def test_an_identity_in_moto_s_account_is_refused(real_looking_credentials: None) -> None:
    with mock_aws(), mock.patch.dict(os.environ, REAL_LOOKING):
        reason = skip_reason({"E2E": "1"}, TEST_REGION)

    assert reason is not None
    assert "STS answered as account 123456789012, moto's" in reason


def test_a_probe_that_cannot_reach_sts_skips_with_the_error(
    real_looking_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real probe, refused by the tests' socket guard (as it is without network): a skip, not an error."""

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.warns(UserWarning, match="A test tried to use socket.socket.connect"):
        reason = skip_reason({"E2E": "1"}, "eu-west-1")

    assert reason is not None
    assert "E2E=1 but STS get_caller_identity failed in eu-west-1 (HTTPClientError" in reason


def test_a_probe_error_skips_with_the_error(real_looking_credentials: None) -> None:
    def unreachable(client: STSClient) -> Mapping[str, str]:
        raise EndpointConnectionError(endpoint_url="https://sts.eu-west-1.amazonaws.com")

    reason = skip_reason({"E2E": "1"}, "eu-west-1", probe=unreachable)

    assert reason is not None
    assert "get_caller_identity failed in eu-west-1 (EndpointConnectionError" in reason


def test_the_probe_makes_one_short_attempt(real_looking_credentials: None) -> None:
    config: Any = probe_client(boto3.Session(), "eu-west-1").meta.config

    assert (config.connect_timeout, config.read_timeout) == (3, 5)
    assert config.retries == {"total_max_attempts": 1, "mode": "standard"}


# ---------------------------------------------------------------------------------------------- settings


def test_settings_are_read_from_the_environment() -> None:
    parsed = E2ESettings.from_env(
        {
            **ENVIRON,
            "E2E_GLUE_JOB": "sales-staging",
            "E2E_REGION": "eu-central-1",
            "AWS_REGION": "us-west-2",
            "E2E_TIMEOUT_MINUTES": "12.5",
            "E2E_DPU_HOUR_PRICE": "0.29",
            "E2E_DENIED_ROLE_ARN": ROLE,
        },
        JOB,
        "eu-west-1",
    )

    assert parsed == E2ESettings(
        glue_job="sales-staging",
        region="eu-central-1",
        artifacts="s3://artifacts-bucket/glue",
        locations={
            "input": "s3://raw-bucket",
            "output": "s3://curated-bucket/dev",
            "quarantine": "s3://quarantine-bucket",
            "temp": "s3://temp-bucket/scratch",
        },
        timeout_seconds=750.0,
        dpu_hour_price=0.29,
        denied_role_arn=ROLE,
    )


def test_the_defaults() -> None:
    parsed = E2ESettings.from_env(ENVIRON, JOB, "eu-west-1")

    assert parsed.glue_job == "sales-dev"
    assert parsed.region == "eu-west-1"
    assert parsed.timeout_seconds == 1800.0
    assert parsed.dpu_hour_price == 0.44
    assert parsed.denied_role_arn is None


def test_the_region_is_e2e_region_then_aws_region_then_aws_default_region_then_the_template_s() -> None:
    every = {"E2E_REGION": "eu-central-1", "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ap-south-1"}

    assert resolve_region(every, "eu-west-1") == "eu-central-1"
    assert resolve_region({**every, "E2E_REGION": ""}, "eu-west-1") == "us-west-2"
    assert resolve_region({"AWS_DEFAULT_REGION": "ap-south-1"}, "eu-west-1") == "ap-south-1"
    assert resolve_region({}, "eu-west-1") == "eu-west-1"


def test_missing_settings_are_all_named_at_once() -> None:
    with pytest.raises(E2ESettingsError) as error:
        E2ESettings.from_env({}, JOB, TEST_REGION)

    lines = str(error.value).splitlines()
    assert lines[0] == "The AWS E2E settings are incomplete:"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "E2E_ARTIFACTS",
        "E2E_INPUT",
        "E2E_OUTPUT",
        "E2E_QUARANTINE",
        "E2E_TEMP",
    ]


def test_malformed_settings_are_each_explained() -> None:
    with pytest.raises(E2ESettingsError) as error:
        E2ESettings.from_env(
            {
                "E2E_ARTIFACTS": "s3://artifacts-bucket",
                "E2E_INPUT": "raw-bucket/in",
                "E2E_OUTPUT": "s3://Curated_Bucket",
                "E2E_QUARANTINE": "s3://quarantine-bucket/a/../b",
                "E2E_TEMP": "s3://temp-bucket",
                "E2E_TIMEOUT_MINUTES": "soon",
                "E2E_DPU_HOUR_PRICE": "-1",
                "E2E_DENIED_ROLE_ARN": "glue-reader",
            },
            JOB,
            TEST_REGION,
        )

    assert str(error.value).splitlines()[1:] == [
        "  E2E_ARTIFACTS='s3://artifacts-bucket': expected s3://bucket/prefix.",
        "  E2E_INPUT='raw-bucket/in': expected s3://bucket[/prefix].",
        "  E2E_OUTPUT='s3://Curated_Bucket': expected s3://bucket[/prefix].",
        "  E2E_QUARANTINE='s3://quarantine-bucket/a/../b': the prefix has an empty, '.' or '..' segment; "
        "give a plain one.",
        "  E2E_TIMEOUT_MINUTES='soon': expected a number above 0, e.g. 30.",
        "  E2E_DPU_HOUR_PRICE='-1': expected a number of 0 or more, e.g. 0.44.",
        "  E2E_DENIED_ROLE_ARN='glue-reader': expected arn:aws:iam::<12-digit account>:role/<name>.",
    ]


def test_a_timeout_of_zero_is_refused_and_a_price_of_zero_is_not() -> None:
    with pytest.raises(E2ESettingsError, match="E2E_TIMEOUT_MINUTES='0': expected a number above 0"):
        settings(E2E_TIMEOUT_MINUTES="0")
    assert settings(E2E_DPU_HOUR_PRICE="0").dpu_hour_price == 0.0


# ---------------------------------------------------------------------------------------------- a run's place


def test_a_run_prefix_is_the_test_s_name_made_safe_and_a_random_suffix() -> None:
    assert run_prefix("test_bad[s3://x/Y z]", token=lambda: "0a1b2c3d") == "e2e/test_bad-s3-x-y-z-0a1b2c3d"
    assert run_prefix("[]", token=lambda: "0a1b2c3d") == "e2e/run-0a1b2c3d"
    long = run_prefix("test_" + "x" * 100, token=lambda: "0a1b2c3d")
    assert long == "e2e/test_" + "x" * 43 + "-0a1b2c3d"
    assert run_prefix("test_a") != run_prefix("test_a")


def test_the_run_arguments_put_every_role_under_the_run_prefix_and_name_this_build_s_wheels(
    manifest: Manifest,
) -> None:
    wheel, dependency = manifest.wheel.key, manifest.dependencies[0].key

    assert run_arguments(manifest, settings(), "e2e/test_a-0a1b2c3d") == {
        "--TempDir": "s3://temp-bucket/scratch/e2e/test_a-0a1b2c3d/sales/glue-temp",
        "--raw_path": "s3://raw-bucket/e2e/test_a-0a1b2c3d/sales/raw",
        "--output_path": "s3://curated-bucket/dev/e2e/test_a-0a1b2c3d/sales/output",
        "--quarantine_path": "s3://quarantine-bucket/e2e/test_a-0a1b2c3d/sales/quarantine",
        "--additional-python-modules": f"s3://artifacts-bucket/glue/{wheel},s3://artifacts-bucket/glue/{dependency}",
    }


def test_an_isolated_run_empties_its_prefix_in_every_location_pass_or_fail(
    aws: Aws, manifest: Manifest, dist: Path
) -> None:
    e2e = e2e_of(aws, manifest, dist, FakeClock())
    aws.s3.put_object(Bucket="curated-bucket", Key="dev/published/table/part-0.parquet", Body=b"keep")

    prefixes: list[str] = []

    def a_failing_test() -> None:
        with e2e.isolated_run("test_a") as place:
            prefixes.append(place.prefix)
            for argument in ("--TempDir", "--raw_path", "--output_path", "--quarantine_path"):
                bucket, key = place.arguments[argument].removeprefix("s3://").split("/", 1)
                aws.s3.put_object(Bucket=bucket, Key=f"{key}/part-0", Body=b"x")
            raise RuntimeError("the test failed")

    with pytest.raises(RuntimeError, match="the test failed"):
        a_failing_test()

    assert prefixes[0].startswith("e2e/test_a-")

    assert {bucket: keys_in(aws.s3, bucket) for bucket in BUCKETS[1:]} == {
        "raw-bucket": [],
        "curated-bucket": ["dev/published/table/part-0.parquet"],
        "quarantine-bucket": [],
        "temp-bucket": [],
    }


# ---------------------------------------------------------------------------------------------- S3


def test_the_artifact_lands_at_its_manifest_keys(aws: Aws, manifest: Manifest, dist: Path) -> None:
    written = upload_artifacts(aws.s3, manifest, dist, "s3://artifacts-bucket/glue")

    expected = [f"glue/sales/{artifact.sha256[:16]}/{artifact.file}" for artifact in manifest.artifacts()]
    assert written == expected
    assert keys_in(aws.s3, "artifacts-bucket") == sorted(expected)
    for artifact in manifest.artifacts():
        body = aws.s3.get_object(Bucket="artifacts-bucket", Key=f"glue/{artifact.key}")["Body"].read()
        assert body == (dist / artifact.file).read_bytes()


def test_an_artifact_already_there_is_not_uploaded_again_and_any_other_object_is_replaced(
    aws: Aws, manifest: Manifest, dist: Path
) -> None:
    upload_artifacts(aws.s3, manifest, dist, "s3://artifacts-bucket/glue")
    wheel_key = f"glue/{manifest.wheel.key}"
    script_key = f"glue/{manifest.script.key}"
    # Same size, other bytes, with a SHA-256 of their own; and an upload without one (as other tools write).
    aws.s3.put_object(Bucket="artifacts-bucket", Key=wheel_key, Body=b"not the wheel!!", ChecksumAlgorithm="SHA256")
    aws.s3.put_object(Bucket="artifacts-bucket", Key=script_key, Body=(dist / manifest.script.file).read_bytes())

    assert upload_artifacts(aws.s3, manifest, dist, "s3://artifacts-bucket/glue") == [script_key, wheel_key]
    assert aws.s3.get_object(Bucket="artifacts-bucket", Key=wheel_key)["Body"].read() == b"the job's wheel"
    assert upload_artifacts(aws.s3, manifest, dist, "s3://artifacts-bucket/glue") == []


def test_input_files_keep_their_relative_paths(aws: Aws, tmp_path: Path) -> None:
    (tmp_path / "sample" / "orders").mkdir(parents=True)
    (tmp_path / "sample" / "orders" / "orders.csv").write_text("id\n1\n")
    (tmp_path / "sample" / "top.csv").write_text("id\n2\n")

    keys = upload_folder(aws.s3, tmp_path / "sample", "s3://raw-bucket/e2e/run-1/sales/raw/")

    assert keys == ["e2e/run-1/sales/raw/orders/orders.csv", "e2e/run-1/sales/raw/top.csv"]
    assert keys_in(aws.s3, "raw-bucket") == keys


def test_cleanup_leaves_nothing_under_the_prefix_and_everything_else(aws: Aws) -> None:
    doomed = {
        "raw-bucket": ["e2e/run-1/sales/raw/a.csv", "e2e/run-1/sales/raw/orders/b.csv"],
        "curated-bucket": ["dev/e2e/run-1/sales/output/t/part-0.parquet"],
    }
    kept = {
        # A sibling whose name starts with the same characters, another run, the deployment's own data.
        "raw-bucket": ["e2e/run-10/sales/raw/a.csv", "e2e/run-1.csv", "sales/raw/a.csv"],
        "curated-bucket": ["dev/e2e/run-2/sales/output/t/part-0.parquet", "dev/sales/output/t/part-0.parquet"],
    }
    for bucket in doomed:
        for key in doomed[bucket] + kept[bucket]:
            aws.s3.put_object(Bucket=bucket, Key=key, Body=b"x")

    deleted = cleanup(aws.s3, ["s3://raw-bucket/e2e/run-1", "s3://curated-bucket/dev/e2e/run-1/"])

    assert deleted == 3
    assert {bucket: keys_in(aws.s3, bucket) for bucket in doomed} == {
        bucket: sorted(keys) for bucket, keys in kept.items()
    }


def test_keys_beside_the_tables_are_found() -> None:
    keys = ["fact/part-0.parquet", "dim/part-0.parquet", "_temporary/0/x", "fact_backup/part-0.parquet"]

    assert outside_tables(keys, ["fact", "dim"]) == ["_temporary/0/x", "fact_backup/part-0.parquet"]
    assert outside_tables(keys, [""]) == []


# ---------------------------------------------------------------------------------------------- the deployed job


def test_a_job_that_runs_this_build_s_script_passes_the_check(deployed: Aws, manifest: Manifest) -> None:
    check_deployed_job(deployed.glue, settings(), manifest)


def test_a_job_that_runs_another_script_fails_the_check_saying_to_deploy(aws: Aws, manifest: Manifest) -> None:
    create_job(aws, "s3://artifacts-bucket/glue/sales/0123456789abcdef/sales.py", "5.1")

    with pytest.raises(E2EError) as error:
        check_deployed_job(aws.glue, settings(), manifest)

    assert str(error.value) == (
        "The deployed job 'sales-dev' runs s3://artifacts-bucket/glue/sales/0123456789abcdef/sales.py, not this "
        f"build's script s3://artifacts-bucket/glue/{manifest.script.key}: deploy this build first "
        "('make deploy ENV=dev'), or set E2E_ARTIFACTS to where the deployment uploads the artifact."
    )


def test_a_job_on_another_glue_version_fails_the_check(aws: Aws, manifest: Manifest) -> None:
    create_job(aws, manifest.script_location(settings().artifacts), "4.0")

    with pytest.raises(E2EError, match=r"runs Glue 4\.0, this build is for Glue 5\.1: deploy this build first"):
        check_deployed_job(aws.glue, settings(), manifest)


def test_no_deployed_job_fails_the_check_saying_how_to_deploy_or_name_it(aws: Aws, manifest: Manifest) -> None:
    with pytest.raises(E2EError) as error:
        check_deployed_job(aws.glue, settings(), manifest)

    assert str(error.value) == (
        "There is no Glue job 'sales-dev' in us-east-1: deploy it with 'make deploy ENV=dev', or set "
        "E2E_GLUE_JOB (and E2E_REGION) to the deployed job's name."
    )


def test_open_aws_e2e_checks_the_job_and_uploads_the_artifact(
    deployed: Aws, dist: Path, manifest: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    e2e = open_aws_e2e(ENVIRON, dist, TEST_REGION)

    assert e2e.settings.glue_job == GLUE_JOB
    assert e2e.manifest == manifest
    assert len(keys_in(deployed.s3, "artifacts-bucket")) == 3


def test_open_aws_e2e_without_a_package_says_to_build_one(aws: Aws, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="build the artifact first with 'make package'"):
        open_aws_e2e(ENVIRON, tmp_path, TEST_REGION)


# ---------------------------------------------------------------------------------------------- runs


def test_a_run_gets_the_arguments_and_a_glue_timeout_of_the_e2e_s_timeout(deployed: Aws) -> None:
    run_id = start_run(deployed.glue, GLUE_JOB, {"--raw_path": "s3://raw-bucket/e2e/x"}, timeout_seconds=90)

    run = deployed.glue.get_job_run(JobName=GLUE_JOB, RunId=run_id)["JobRun"]
    assert run.get("Arguments") == {"--raw_path": "s3://raw-bucket/e2e/x"}
    assert run.get("Timeout") == 2


def test_a_second_run_while_one_runs_says_to_wait(deployed: Aws, job_runs: Callable[[int], None]) -> None:
    job_runs(10**6)
    start_run(deployed.glue, GLUE_JOB, {}, timeout_seconds=60)

    with pytest.raises(E2EError, match="sales-dev already has as many runs as it may have at once: wait"):
        start_run(deployed.glue, GLUE_JOB, {}, timeout_seconds=60)


def test_moto_s_run_steps_to_succeeded_as_it_is_polled_with_the_delay_doubling(
    deployed: Aws, job_runs: Callable[[int], None]
) -> None:
    job_runs(2)
    run_id = start_run(deployed.glue, GLUE_JOB, {}, timeout_seconds=600)
    clock = FakeClock()
    poller = Poller(deployed.glue, GLUE_JOB, sleep=clock.sleep, clock=clock)

    run = poller.wait(run_id, timeout=600)

    assert run.get("JobRunState") == "SUCCEEDED"
    assert poller.states == ["STARTING", "RUNNING", "RUNNING", "SUCCEEDED"]
    assert clock.sleeps == [5, 10, 20]


def test_a_run_past_the_timeout_is_stopped_and_fails(
    deployed: Aws, job_runs: Callable[[int], None], stops: list[dict[str, Any]]
) -> None:
    job_runs(10**6)  # never leaves STARTING
    run_id = start_run(deployed.glue, GLUE_JOB, {}, timeout_seconds=300)
    clock = FakeClock()
    poller = Poller(deployed.glue, GLUE_JOB, sleep=clock.sleep, clock=clock, stop_grace=30)

    with pytest.raises(JobRunTimeoutError) as error:
        poller.wait(run_id, timeout=300)

    # 5 s doubling to 60 s, the last sleep cut to the deadline; then the stop, and the grace polled the same way.
    assert clock.sleeps == [5, 10, 20, 40, 60, 60, 60, 45, 5, 10, 15]
    assert stops == [{"JobName": GLUE_JOB, "JobRunIds": [run_id]}]
    assert str(error.value) == (
        f"Glue run {run_id} of sales-dev was still STARTING after 300 s; a stop was requested, and it was STARTING "
        "30 s later. Raise E2E_TIMEOUT_MINUTES if the job needs longer, or look at the run in the Glue console."
    )


def test_a_timed_out_run_that_stops_says_so(
    deployed: Aws, job_runs: Callable[[int], None], stops: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_runs(10**6)
    run_id = start_run(deployed.glue, GLUE_JOB, {}, timeout_seconds=10)
    states_then_moto(deployed, monkeypatch, ["RUNNING", "RUNNING", "STOPPING", "STOPPED"])
    clock = FakeClock()

    poller = Poller(deployed.glue, GLUE_JOB, sleep=clock.sleep, clock=clock)

    stopped = "still STOPPING after 10 s; a stop was requested, and it was STOPPED when it ended"
    with pytest.raises(JobRunTimeoutError, match=stopped):
        poller.wait(run_id, timeout=10)
    # Polled at 0, 5 and 10 s (the second sleep cut to the deadline); the stop; STOPPED at once.
    assert clock.sleeps == [5, 5]
    assert poller.states == ["RUNNING", "RUNNING", "STOPPING", "STOPPED"]
    assert len(stops) == 1


def test_moto_cannot_stop_a_run_and_the_timeout_error_says_the_stop_failed(
    deployed: Aws, job_runs: Callable[[int], None]
) -> None:
    job_runs(10**6)
    run_id = start_run(deployed.glue, GLUE_JOB, {}, timeout_seconds=10)
    clock = FakeClock()

    with pytest.raises(JobRunTimeoutError, match=r"the stop request failed \(NotImplementedError: The batch_stop"):
        Poller(deployed.glue, GLUE_JOB, sleep=clock.sleep, clock=clock, stop_grace=0).wait(run_id, timeout=10)


def test_a_stop_glue_refuses_is_named_in_the_timeout_error(
    deployed: Aws, job_runs: Callable[[int], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_runs(10**6)
    run_id = start_run(deployed.glue, GLUE_JOB, {}, timeout_seconds=10)

    def batch_stop_job_run(**kwargs: Any) -> dict[str, Any]:
        detail = {"ErrorCode": "InvalidInputException", "ErrorMessage": "Job run cannot be stopped."}
        return {"SuccessfulSubmissions": [], "Errors": [{"JobRunId": run_id, "ErrorDetail": detail}]}

    monkeypatch.setattr(deployed.glue, "batch_stop_job_run", batch_stop_job_run)
    clock = FakeClock()

    with pytest.raises(JobRunTimeoutError) as error:
        Poller(deployed.glue, GLUE_JOB, sleep=clock.sleep, clock=clock, stop_grace=0).wait(run_id, timeout=10)
    assert "; the stop request failed (InvalidInputException: Job run cannot be stopped.), and it was" in str(
        error.value
    )


@pytest.mark.parametrize("state", ["FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"])
def test_each_failed_state_ends_the_run_with_its_error_message(
    state: str,
    deployed: Aws,
    manifest: Manifest,
    dist: Path,
    stops: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    states_then_moto(deployed, monkeypatch, [state], error=f"JobArgumentError: the run ended {state}")
    clock = FakeClock()
    e2e = e2e_of(deployed, manifest, dist, clock)

    with pytest.raises(JobRunFailedError) as failed:
        e2e.run({"--raw_path": "s3://raw-bucket/e2e/x"})

    assert (failed.value.state, failed.value.error_message) == (state, f"JobArgumentError: the run ended {state}")
    assert str(failed.value).startswith(
        f"Glue run {failed.value.run_id} of sales-dev ended {state}: JobArgumentError: the run ended {state}\n"
        "Its logs: CloudWatch log group test/log/error"
    )
    assert failed.value.report in e2e.reports
    assert (clock.sleeps, stops) == ([], [])


@pytest.mark.parametrize("state", ["WAITING", "STARTING", "RUNNING", "STOPPING", "A_STATE_GLUE_ADDS_LATER"])
def test_each_active_state_is_polled_again(
    state: str, deployed: Aws, manifest: Manifest, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    states_then_moto(deployed, monkeypatch, [state])
    clock = FakeClock()

    report = e2e_of(deployed, manifest, dist, clock).run({})

    assert report.state == "SUCCEEDED"
    assert clock.sleeps == [5]


def test_an_error_while_polling_stops_the_run_and_propagates(
    deployed: Aws, job_runs: Callable[[int], None], stops: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_runs(10**6)
    run_id = start_run(deployed.glue, GLUE_JOB, {}, timeout_seconds=600)
    clock = FakeClock()

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Poller(deployed.glue, GLUE_JOB, sleep=interrupted, clock=clock).wait(run_id, timeout=600)
    assert stops == [{"JobName": GLUE_JOB, "JobRunIds": [run_id]}]

    def throttled(**kwargs: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetJobRun")

    monkeypatch.setattr(deployed.glue, "get_job_run", throttled)
    with pytest.raises(ClientError, match="ThrottlingException"):
        Poller(deployed.glue, GLUE_JOB, sleep=clock.sleep, clock=clock).wait(run_id, timeout=600)
    assert len(stops) == 2


def test_a_successful_run_is_reported_with_its_time_and_cost(
    deployed: Aws, manifest: Manifest, dist: Path, job_runs: Callable[[int], None]
) -> None:
    job_runs(1)
    e2e = e2e_of(deployed, manifest, dist, FakeClock())

    report = e2e.run({})

    # moto: ExecutionTime 123 s on the job's 2 G.1X workers -> 246 DPU-seconds.
    assert (report.state, report.execution_seconds, report.dpu_seconds) == ("SUCCEEDED", 123, 246.0)
    assert report.cost == pytest.approx(246 / 3600 * 0.44)
    assert e2e.reports == [report]
    assert report.describe() == (
        f"{report.run_id} SUCCEEDED after 123 s: 0.0683 DPU-hours, 0.0301 USD at 0.44 USD per DPU-hour"
    )


# ---------------------------------------------------------------------------------------------- cost


def job_run(**fields: Any) -> JobRunTypeDef:
    run: JobRunTypeDef = {"Id": "jr_1", "JobRunState": "SUCCEEDED", **fields}  # type: ignore[typeddict-item]
    return run


@pytest.mark.parametrize(
    ("fields", "price", "dpu_hours", "cost"),
    [
        # AWS's own pricing example: 6 DPUs for 15 minutes at 0.44 USD -> 1.5 DPU-hours, 0.66 USD.
        ({"ExecutionTime": 900, "MaxCapacity": 6.0}, 0.44, 1.5, 0.66),
        # 10 G.2X workers (2 DPUs each) for 9 minutes -> 3 DPU-hours.
        ({"ExecutionTime": 540, "WorkerType": "G.2X", "NumberOfWorkers": 10}, 0.44, 3.0, 1.32),
        # Glue's own DPUSeconds (auto-scaling) wins over workers x time: 1800 DPU-seconds -> half a DPU-hour.
        ({"ExecutionTime": 540, "WorkerType": "G.2X", "NumberOfWorkers": 10, "DPUSeconds": 1800.0}, 0.44, 0.5, 0.22),
        # The same run on Flex's price.
        ({"ExecutionTime": 900, "MaxCapacity": 6.0}, 0.29, 1.5, 0.435),
        # 4 G.025X workers (a quarter DPU each) for an hour -> 1 DPU-hour.
        ({"ExecutionTime": 3600, "WorkerType": "G.025X", "NumberOfWorkers": 4}, 0.44, 1.0, 0.44),
    ],
)
def test_the_cost_is_dpu_hours_times_the_price(
    fields: dict[str, Any], price: float, dpu_hours: float, cost: float
) -> None:
    report = RunReport.of(job_run(**fields), price)

    assert report.dpu_hours == pytest.approx(dpu_hours)
    assert report.cost == pytest.approx(cost)


def test_a_run_without_usage_figures_reports_them_unknown() -> None:
    run = job_run(ExecutionTime=60)

    assert dpu_seconds(run) is None
    assert RunReport.of(run, 0.44).describe() == (
        "jr_1 SUCCEEDED after 60 s: DPU usage unknown (no DPUSeconds, worker type or capacity in the run)"
    )


# ---------------------------------------------------------------------------------------------- access denied


def test_a_refused_start_is_what_the_denied_caller_must_get(aws: Aws) -> None:
    with Stubber(aws.glue) as stub:
        stub.add_client_error("start_job_run", "AccessDeniedException", "not authorized to perform glue:StartJobRun")
        assert expect_access_denied(aws.glue, GLUE_JOB, {}) == "AccessDeniedException"


def test_another_error_than_access_denied_fails(aws: Aws) -> None:
    with Stubber(aws.glue) as stub:
        stub.add_client_error("start_job_run", "EntityNotFoundException", "Job sales-dev not found.")
        with pytest.raises(AssertionError, match="start_job_run failed with EntityNotFoundException, not AccessDenied"):
            expect_access_denied(aws.glue, GLUE_JOB, {})


def test_a_denied_caller_that_can_start_the_job_fails_and_its_run_is_stopped(
    deployed: Aws, stops: list[dict[str, Any]]
) -> None:
    # moto enforces no IAM: the run starts, as it would with a role that is allowed too much.
    with pytest.raises(AssertionError, match="its role may start the job, and it must not"):
        expect_access_denied(deployed.glue, GLUE_JOB, {})
    assert len(stops) == 1


def test_the_denied_client_acts_with_the_assumed_role_s_credentials(
    aws: Aws, manifest: Manifest, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assumed: list[dict[str, Any]] = []
    real_client = boto3.Session.client

    def client(session: boto3.Session, service: str, *args: Any, **kwargs: Any) -> Any:
        made = real_client(session, service, *args, **kwargs)  # type: ignore[call-overload]
        if service == "sts":
            real_assume = made.assume_role

            def assume_role(**request: Any) -> Any:
                assumed.append(request)
                return real_assume(**request)

            made.assume_role = assume_role
        return made

    monkeypatch.setattr(boto3.Session, "client", client)
    e2e = e2e_of(aws, manifest, dist, FakeClock(), E2E_DENIED_ROLE_ARN=ROLE)

    glue = e2e.denied_glue()

    assert [request["RoleArn"] for request in assumed] == [ROLE]
    credentials = glue._request_signer._credentials  # type: ignore[attr-defined]
    assert credentials.access_key.startswith("ASIA")
    assert credentials.access_key != os.environ["AWS_ACCESS_KEY_ID"]


def test_no_denied_role_is_an_error_to_ask_for(aws: Aws, manifest: Manifest, dist: Path) -> None:
    with pytest.raises(E2EError, match="E2E_DENIED_ROLE_ARN is not set"):
        e2e_of(aws, manifest, dist, FakeClock()).denied_glue()
