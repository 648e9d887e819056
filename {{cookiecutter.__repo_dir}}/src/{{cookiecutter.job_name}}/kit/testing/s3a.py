"""Spark's S3A connector against a local S3 API (moto), for the local cluster E2E.

pip's pyspark carries no ``hadoop-aws`` and no AWS SDK. Where Maven is reachable, set
``SPARK_JARS_PACKAGES`` (for example ``org.apache.hadoop:hadoop-aws:3.3.4``, the Hadoop of Spark 3.5)
and Spark downloads them. Without Maven, the two jars come from a package on PyPI, ``sagemaker_pyspark``
(Apache-2.0), which ships ``hadoop-aws-3.3.1`` and ``aws-java-sdk-bundle-1.11.901``: its source archive
is downloaded once, checked against the pinned SHA-256, and only the two jars are kept, each checked
against its own pin, under ``$S3A_JARS_DIR`` (default ``~/.cache/glue-job-e2e/s3a-jars``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..deploy import sha256_of

SOURCE_PACKAGE = "sagemaker_pyspark==1.4.5"
SOURCE_ARCHIVE = "sagemaker_pyspark-1.4.5.tar.gz"
SOURCE_SHA256 = "05ca2d5081d7138ce29a8fb0a9cba077f28c825288ed07aed46a82e63c0bf1fb"
# Jar -> its SHA-256, as found in the archive under sagemaker_pyspark-1.4.5/deps/jars/.
JARS = {
    "hadoop-aws-3.3.1.jar": "6be50ad8a8b445d2802381b085b2a3ede5c29d353450a6a21f16b2fefa962b6e",
    "aws-java-sdk-bundle-1.11.901.jar": "b87175b32a16544cc1b37cf40390eb375833e62bed67f8ce6cde4b7ad6429ead",
}
PACKAGES_OVERRIDE = "SPARK_JARS_PACKAGES"
JARS_DIR_OVERRIDE = "S3A_JARS_DIR"
# The fake credentials moto accepts; never real ones.
FAKE_KEY = "testing"


class S3AJarsError(RuntimeError):
    """The jars could not be obtained or do not match their pins."""


def jars_dir(environ: Mapping[str, str]) -> Path:
    default = Path.home() / ".cache" / "glue-job-e2e" / "s3a-jars"
    return Path(environ.get(JARS_DIR_OVERRIDE) or default)


def fetch_jars(target: Path) -> list[Path]:
    """The two jars in ``target``, downloaded and extracted if missing; every file is checked against its pin."""
    wanted = [target / name for name in JARS]
    if all(path.is_file() and sha256_of(path) == JARS[path.name] for path in wanted):
        return wanted
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="s3a-jars-") as scratch:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--no-binary=:all:", f"--dest={scratch}", SOURCE_PACKAGE],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        archive = Path(scratch) / SOURCE_ARCHIVE
        if result.returncode != 0 or not archive.is_file():
            raise S3AJarsError(
                f"could not download {SOURCE_PACKAGE} from the package index for the S3A jars. Check the index is "
                f"reachable, or put {', '.join(JARS)} in {target}, or set {PACKAGES_OVERRIDE} where Maven is "
                f"reachable.\n{result.stderr[-2000:]}"
            )
        if sha256_of(archive) != SOURCE_SHA256:
            raise S3AJarsError(f"{SOURCE_ARCHIVE} does not match its pinned SHA-256; refusing to use its jars.")
        with tarfile.open(archive) as bundle:
            for member in bundle.getmembers():
                name = member.name.rsplit("/", 1)[-1]
                source = bundle.extractfile(member) if name in JARS and member.isfile() else None
                if source is not None:
                    partial = target / f".{name}.partial"
                    partial.write_bytes(source.read())
                    partial.replace(target / name)
    bad = [path.name for path in wanted if not path.is_file() or sha256_of(path) != JARS[path.name]]
    if bad:
        raise S3AJarsError(f"{', '.join(bad)} missing from {SOURCE_ARCHIVE} or not matching the pins.")
    return wanted


@dataclass(frozen=True)
class S3AEndpoint:
    """An S3 API at ``url`` (moto's server) with moto's fake credentials."""

    url: str
    region: str = "us-east-1"

    def spark_conf(self) -> dict[str, str]:
        """``s3://`` and ``s3a://`` through S3A to this endpoint: the job gets the URIs it gets on Glue.

        Four settings are plain numbers: Hadoop 3.4 (Spark 4) writes their defaults with units (``60s``,
        ``24h``), which the 3.3 connector reads as plain numbers and fails on (``NumberFormatException``).
        The values are Hadoop's own defaults.
        """
        return {
            "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "spark.hadoop.fs.s3a.endpoint": self.url,
            "spark.hadoop.fs.s3a.endpoint.region": self.region,
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
            "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
            "spark.hadoop.fs.s3a.access.key": FAKE_KEY,
            "spark.hadoop.fs.s3a.secret.key": FAKE_KEY,
            "spark.hadoop.fs.s3a.threads.keepalivetime": "60",
            "spark.hadoop.fs.s3a.connection.establish.timeout": "30000",
            "spark.hadoop.fs.s3a.connection.timeout": "200000",
            "spark.hadoop.fs.s3a.multipart.purge.age": "86400",
        }

    def environment(self) -> dict[str, str]:
        """What boto3 in the driver needs to reach the same endpoint (the publisher moves files with it)."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": FAKE_KEY,
            "AWS_SECRET_ACCESS_KEY": FAKE_KEY,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }


def submit_options(environ: Mapping[str, str] | None = None) -> list[str]:
    """``spark-submit`` options that put S3A on the classpath: Maven packages if asked for, else the jars."""
    env = os.environ if environ is None else environ
    packages = env.get(PACKAGES_OVERRIDE)
    if packages:
        return ["--packages", packages]
    return ["--jars", ",".join(str(path) for path in fetch_jars(jars_dir(env)))]
