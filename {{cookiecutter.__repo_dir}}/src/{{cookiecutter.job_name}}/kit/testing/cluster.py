"""Local services for the E2E: a Spark standalone cluster (a master and workers, each its own JVM) and
moto's S3 server, every one a process bound to 127.0.0.1 that is stopped on exit, pass or fail.

The cluster comes from pip's pyspark: ``bin/spark-class`` starts the Master and Worker classes (pip's
pyspark has no ``sbin/`` scripts). Ports are chosen by the processes themselves (``--port 0``) and read
from their logs, so two runs on one machine never collide.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

LOCAL_IP = "127.0.0.1"
START_TIMEOUT = 90.0


class ServiceError(RuntimeError):
    """A local service did not start; the message holds the end of its log."""


@dataclass
class Service:
    """A started process, its log file, and the match of the line that said it was ready."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    ready: re.Match[str]

    def stop(self, grace: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def log_tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def start(
    name: str,
    command: Sequence[str],
    ready: str,
    log: Path,
    environ: Mapping[str, str],
    timeout: float = START_TIMEOUT,
) -> Service:
    """Start ``command`` in its own process group, logging to ``log``; wait for a line matching ``ready``."""
    pattern = re.compile(ready)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            list(command), stdout=sink, stderr=subprocess.STDOUT, env=dict(environ), start_new_session=True
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = pattern.search(log.read_text(errors="replace"))
        if match:
            return Service(name, process, log, match)
        if process.poll() is not None:
            raise ServiceError(f"{name} exited with {process.returncode} before it was ready:\n{log_tail(log)}")
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    raise ServiceError(f"{name} was not ready after {timeout:.0f} s:\n{log_tail(log)}")


def local_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment with every Spark process bound to 127.0.0.1 and no inherited Spark settings."""
    base = dict(os.environ if environ is None else environ)
    base = {key: value for key, value in base.items() if key not in ("PYSPARK_SUBMIT_ARGS", "SPARK_HOME")}
    return {**base, "SPARK_LOCAL_IP": LOCAL_IP}


@dataclass(frozen=True)
class Cluster:
    master_url: str
    spark_home: Path
    workers: int


@contextmanager
def standalone_cluster(
    spark_home: Path,
    work_dir: Path,
    workers: int = 2,
    cores: int = 1,
    memory: str = "1g",
    environ: Mapping[str, str] | None = None,
) -> Iterator[Cluster]:
    """A master and ``workers`` workers from ``spark_home`` (pyspark's package folder); all stopped on exit."""
    env = {
        **local_environment(environ),
        "SPARK_HOME": str(spark_home),
        "SPARK_DAEMON_MEMORY": "512m",
        "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    }
    spark_class = str(spark_home / "bin" / "spark-class")
    with ExitStack() as stack:
        master = start(
            "spark master",
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", LOCAL_IP, "--port", "0",
             "--webui-port", "0"],
            r"Starting Spark master at (spark://[0-9.]+:[0-9]+)",
            work_dir / "master.log",
            env,
        )  # fmt: skip
        stack.callback(master.stop)
        url = master.ready.group(1)
        services = []
        for index in range(workers):
            folder = work_dir / f"worker-{index}"
            folder.mkdir(parents=True, exist_ok=True)
            worker = ["org.apache.spark.deploy.worker.Worker", "--host", LOCAL_IP, "--port", "0", "--webui-port", "0"]
            resources = ["--cores", str(cores), "--memory", memory, "--work-dir", str(folder)]
            command = [spark_class, *worker, *resources, url]
            services.append(_background(stack, f"spark worker {index}", command, work_dir / f"worker-{index}.log", env))
        for service in services:
            service.join()
        yield Cluster(url, spark_home, workers)


class _background(threading.Thread):  # noqa: N801 - used like a function
    """Starts a worker on a thread, so workers start side by side; ``join`` re-raises its failure."""

    def __init__(self, stack: ExitStack, name: str, command: list[str], log: Path, env: Mapping[str, str]) -> None:
        super().__init__(daemon=True)
        self._stack, self._args = stack, (name, command, r"Successfully registered with master", log, env)
        self.error: BaseException | None = None
        self.service: Service | None = None
        self.start()

    def run(self) -> None:
        try:
            self.service = start(*self._args)
        except BaseException as error:  # re-raised by join
            self.error = error

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.service is not None:
            self._stack.callback(self.service.stop)
        if self.error is not None:
            raise self.error


@contextmanager
def moto_s3_server(moto_server: Path, log: Path, environ: Mapping[str, str] | None = None) -> Iterator[str]:
    """moto's server on 127.0.0.1 and a port of its choosing; yields its URL, stopped on exit."""
    service = start(
        "moto server",
        [str(moto_server), "-H", LOCAL_IP, "-p", "0"],
        r"Running on (http://127\.0\.0\.1:[0-9]+)",
        log,
        local_environment(environ),
        timeout=30,
    )
    try:
        yield service.ready.group(1)
    finally:
        service.stop()
