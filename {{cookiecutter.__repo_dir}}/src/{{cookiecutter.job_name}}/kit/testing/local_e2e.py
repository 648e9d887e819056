"""The local cluster E2E: the packaged job, run by ``spark-submit`` on a standalone cluster against moto S3.

``make e2e-local`` builds the artifact (``make package``) and a venv with only what Glue provides plus the
artifact (``glue_venv``), then runs ``tests/e2e_local``. Each run submits the Glue script from ``dist/``
with the manifest's arguments filled with the production-like buckets below, and the runtime switched to
plain Spark (``JOB_RUNTIME=spark``): no GlueContext, everything else as on Glue, ``s3://`` URIs included.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from ..deploy import Manifest, as_argv, load_manifest
from ..io.s3 import list_objects
from ..runtime import RUNTIME_OVERRIDE
from .aws_e2e import upload_folder
from .cluster import Cluster, local_environment, moto_s3_server, standalone_cluster
from .s3a import S3AEndpoint, submit_options

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# One bucket per location role, named as a deployment would name them.
BUCKETS = {"input": "raw", "output": "curated", "quarantine": "quarantine", "temp": "temp"}
# Small JVMs: two executors of one core each, as two Glue workers of the smallest kind would be, scaled down.
SUBMIT_CONF = {
    "spark.executor.memory": "768m",
    "spark.executor.cores": "1",
    "spark.cores.max": "2",
    "spark.driver.memory": "1g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    # Two executor cores, not a fleet of Glue workers: Spark's 200 shuffle partitions would be 200 tasks per
    # join of a few rows each. A first run of the sample took 75 s with 200 and 44 s with 4 on 2 cores; the
    # rows, partitions and files written are the same (the job sets its own file counts per output).
    "spark.sql.shuffle.partitions": "4",
    # JVMs that live a minute: the quick compiler only, and the serial collector. On 2 cores a run of the
    # sample took 90 s with the defaults and 53 s with these; nothing here changes what the job computes.
    "spark.driver.extraJavaOptions": SHORT_LIVED_JVM,
    "spark.executor.extraJavaOptions": SHORT_LIVED_JVM,
}


class LocalE2EError(RuntimeError):
    """The local E2E cannot start: what is missing and how to get it."""


@dataclass(frozen=True)
class SubmitResult:
    returncode: int
    output: str
    seconds: float


@dataclass(frozen=True)
class LocalE2E:
    """Everything a local E2E test needs: the manifest, the endpoint, a boto3 client, and ``submit``."""

    manifest: Manifest
    dist: Path
    python: Path
    cluster: Cluster
    endpoint: S3AEndpoint
    s3: S3Client
    logs: Path

    @property
    def locations(self) -> dict[str, str]:
        return {role: f"s3://{bucket}" for role, bucket in BUCKETS.items()}

    @property
    def arguments(self) -> dict[str, str]:
        """The arguments Terraform sets, for these buckets."""
        return self.manifest.job_arguments(self.locations)

    def submit(self, run_id: str, arguments: Mapping[str, str], timeout: float = 600) -> SubmitResult:
        """``spark-submit`` the Glue script from ``dist/`` with ``arguments``; the exit code and the log."""
        conf = {
            **SUBMIT_CONF,
            **self.endpoint.spark_conf(),
            "spark.pyspark.python": str(self.python),
            "spark.pyspark.driver.python": str(self.python),
        }
        command = [
            str(self.cluster.spark_home / "bin" / "spark-submit"),
            "--master",
            self.cluster.master_url,
            "--name",
            f"{self.manifest.job_name}-{run_id}",
            *submit_options(),
            *(token for key, value in conf.items() for token in ("--conf", f"{key}={value}")),
            str(self.dist / self.manifest.script.file),
            *("--JOB_NAME", self.manifest.job_name, "--JOB_RUN_ID", run_id),
            *as_argv(arguments),
        ]
        environ = {
            **local_environment(),
            **self.endpoint.environment(),
            "SPARK_HOME": str(self.cluster.spark_home),
            "PYSPARK_PYTHON": str(self.python),
            RUNTIME_OVERRIDE: "spark",
        }
        started = time.monotonic()
        result = subprocess.run(
            command, env=environ, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.logs
        )
        output = result.stdout + result.stderr
        (self.logs / f"{run_id}.log").write_text(output)
        return SubmitResult(result.returncode, output, time.monotonic() - started)

    def upload(self, folder: Path, uri: str) -> list[str]:
        """Every file under ``folder`` to ``uri`` (keeping the relative paths); the keys written."""
        return upload_folder(self.s3, folder, uri)


def spark_home(python: Path) -> Path:
    """The pyspark package folder of the venv whose interpreter is ``python``."""
    result = subprocess.run(
        [str(python), "-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise LocalE2EError(f"{python} has no pyspark; build the Glue-like venv with 'make e2e-local'.")
    return Path(result.stdout.strip())


@contextmanager
def local_e2e(dist: Path, venv: Path, work_dir: Path, moto_server: Path) -> Iterator[LocalE2E]:
    """moto's S3 with the buckets, a master and two workers from the Glue-like venv's pyspark; all stopped on exit."""
    python = venv / "bin" / "python"
    if not python.exists():
        raise LocalE2EError(f"{venv} does not exist; run the local E2E with 'make e2e-local', which builds it.")
    manifest = load_manifest(dist)
    with ExitStack() as stack:
        url = stack.enter_context(moto_s3_server(moto_server, work_dir / "moto.log"))
        endpoint = S3AEndpoint(url)
        s3 = boto3.client(
            "s3",
            endpoint_url=url,
            region_name=endpoint.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for bucket in BUCKETS.values():
            s3.create_bucket(Bucket=bucket)
        cluster = stack.enter_context(standalone_cluster(spark_home(python), work_dir / "cluster"))
        logs = work_dir / "runs"
        logs.mkdir(parents=True, exist_ok=True)
        yield LocalE2E(manifest, dist, python, cluster, endpoint, s3, logs)


def environment_paths(environ: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """``DIST`` and ``GLUE_VENV`` as ``make e2e-local`` sets them (``dist``, ``build/glue-runtime-venv``)."""
    env = os.environ if environ is None else environ
    return Path(env.get("DIST", "dist")).resolve(), Path(env.get("GLUE_VENV", "build/glue-runtime-venv")).resolve()


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def keys_of(s3: S3Client, bucket: str) -> Sequence[str]:
    return [item["Key"] for item in list_objects(s3, bucket, "")]
