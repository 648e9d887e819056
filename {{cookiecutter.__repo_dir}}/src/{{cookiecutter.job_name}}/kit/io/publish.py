"""Publishing a write's outputs: every table is staged in full first, then all of them are published.

A write puts each output in a staging location of its own run, beside the table but outside its path
(so the table's readers never list it), under a name starting with ``.`` (which Spark and Athena skip
when they list the parent folder), and counts it there. Nothing is published until every output is
staged and counted: a run that fails or is killed before then leaves every table as it was. What
publishing gives a reader of ``<parent>/<table>`` depends on the storage:

- **Local filesystem** (plain paths, ``file:``): **atomic per table.** The table path is a symlink to a
  version folder, ``<parent>/.<table>.versions/<version>``; the run stages into a new version folder and
  publishes by renaming a new symlink over the old one (``os.replace``, one ``rename(2)``, atomic on
  POSIX). A reader lists the old version or the new one, never a mix and never nothing. The previous
  version is deleted after the swap: a query still scanning it fails, and its next read sees the new one.
- **S3** (``s3://``, ``s3a://``) **and other Hadoop filesystems**: **staged and verified before publish,
  publish not atomic for readers.** A table is a prefix of files with no atomic rename. The run stages
  under ``<parent>/.<table>.staging/<version>``, then moves each staged file in (on S3 a server-side copy
  and a delete, through boto3; elsewhere a Hadoop FileSystem rename) and then deletes the previous run's
  files. While one table is being published a reader can see files of both versions. The atomic answer
  on S3 is to switch the Glue Catalog table's location to the run's own prefix instead of moving files:
  another ``Publisher``, for readers that go through the catalog.
- **Across tables, on every storage: roll-forward.** Tables are published one after the other. Just
  before the first, the run writes a journal listing every swap (atomically: a temporary file renamed
  into place locally, one PUT on S3), and deletes it after the last. A run killed in between leaves the
  journal, and the next write of these tables finishes those swaps before anything else (it logs
  that it did), so readers are left on a mix of two runs at most until then.

**Replacing some partitions only** (``PartitionScope``, the reprocessing pattern's publish): the run
stages just the partitions it rebuilt, and publishing moves those files into the table (locally too:
into the version folder the link points to), then deletes, in those partition folders only, every file
that is not new and was last modified before the run started. Other partitions are not touched, a file
another writer put there after the run started stays, and the old files stay readable until the new
ones have landed: for that while a reader of the partition sees both. On every storage this is a move,
not an atomic swap.

Each write also removes what killed runs left beside its tables (a half-written staging folder, a
version never published), after its roll-forward: never the published version, never its own staging.
So one write of a set of tables at a time: two runs publishing the same tables at once would delete
each other's staging (a Glue job's maximum concurrent runs should be 1).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import secrets
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import boto3
from botocore.exceptions import ClientError
from pyspark.sql import SparkSession

from .hadoop_fs import delete_path, hadoop_path, modified_files, read_text, relative_files, write_text
from .s3 import FOLDER_MARKER_SUFFIX, TRANSFER_CONFIG, delete_keys, is_s3, list_objects, split_s3_uri

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef

LOG = logging.getLogger(__name__)

# Characters Spark escapes in partition folder names (as %XX): a scope value holding one names no folder as given.
HIVE_ESCAPED = frozenset("\"#%'*/:=?\\{[]^\x7f")
# Beside the first table of a publish (by path), in the folder the kit keeps for that table.
JOURNAL = ".journal.json"
# A version is ``<run id>-<random>``: a rerun with the same run id still gets a folder of its own.
VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class PublishError(RuntimeError):
    """A table that cannot be staged or published as asked; the message says what to do."""


@dataclass(frozen=True)
class PartitionScope:
    """Publish only these partitions of a table: the values of its first partition column that a run rebuilt.

    ``values`` are as Spark names the folders (``order_date=2024-03-01``); ``started`` is when the run
    started (seconds since the epoch): only files last modified before it are replaced.
    """

    column: str
    values: tuple[str, ...]
    started: float

    def __post_init__(self) -> None:
        if not self.values:
            raise PublishError(f"a partition scope of {self.column} needs at least one value")
        unsafe = sorted(value for value in self.values if not value or value.startswith((".", "_")) or escaped(value))
        if unsafe:
            raise PublishError(f"{unsafe} cannot name a partition folder of {self.column}")

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(f"{self.column}={value}" for value in self.values)


@dataclass(frozen=True)
class Swap:
    """One table to publish: ``table`` is the path readers use, ``staged`` where this run wrote it.

    ``files`` lists the staged files (relative to ``staged``) for the publishers that move files, so a
    publish resumed after a crash knows which files in the table are the new ones. ``partitions`` and
    ``started`` limit the swap to those partition folders (``PartitionScope``): only files there older
    than ``started`` are replaced; empty means the whole table.
    """

    table: str
    staged: str
    files: tuple[str, ...] = ()
    partitions: tuple[str, ...] = ()
    started: float = 0.0
    # Files an interrupted publish moved in during this run's roll-forward: replaced whatever their time.
    superseded: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "staged": self.staged,
            "files": list(self.files),
            "partitions": list(self.partitions),
            "started": self.started,
            "superseded": list(self.superseded),
        }

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Swap:
        return cls(
            table=str(item["table"]),
            staged=str(item["staged"]),
            files=tuple(str(f) for f in item["files"]),
            partitions=tuple(str(folder) for folder in item.get("partitions", ())),
            started=float(item.get("started", 0.0)),
            superseded=tuple(str(name) for name in item.get("superseded", ())),
        )

    def replaces(self, name: str, modified: float) -> bool:
        """Whether a partial swap deletes ``name``, a file (relative to the table) in one of its partitions,
        last modified at ``modified``: not one of the new files, and older than the run or superseded.

        Times are compared in whole seconds, as S3 keeps them: a file of the second the run started in is kept.
        A file this run's roll-forward moved in is superseded: on S3 the move is a copy, which dates it after
        the run's start, yet it belongs to an earlier run.
        """
        if name in self.files:
            return False
        return name in self.superseded or math.floor(modified) < math.floor(self.started)

    def check_landed(self, present: Iterable[str]) -> None:
        """Before a partial swap deletes anything: every new file must be in the table (``present``)."""
        missing = sorted(set(self.files) - set(present))
        if missing:
            raise PublishError(
                f"cannot finish publishing {self.table}: {len(missing)} of its new files, e.g. {missing[0]}, are "
                f"neither staged at {self.staged} nor in the table, so its old files are kept. Rerun the job."
            )


class Publisher(ABC):
    """How one storage makes a staged table the one its readers see.

    ``swap`` must be safe to run again after a crash at any point of an earlier ``swap`` of the same table:
    the roll-forward does exactly that. The kit has two: ``LocalPublisher`` and ``MovePublisher``. Switching
    a Glue Catalog table's location to the run's own prefix, the atomic publish on S3, would be a third.
    """

    @abstractmethod
    def staging_location(self, table: str, version: str) -> str:
        """Where a run stages ``table``: hidden from the table's readers, and new for every version."""

    @abstractmethod
    def plan(self, table: str, staged: str, scope: PartitionScope | None = None) -> Swap:
        """The swap that publishes what was staged at ``staged`` (called once the table is written); with a
        ``scope``, the swap of those partitions only."""

    @abstractmethod
    def swap(self, swap: Swap) -> None:
        """Make ``swap.staged`` the table readers see at ``swap.table``."""

    @abstractmethod
    def sweep(self, table: str) -> list[str]:
        """Delete everything the kit keeps beside ``table`` but its published version; return what went."""

    @abstractmethod
    def discard(self, staged: str) -> None:
        """Delete one staging location that will not be published."""

    @abstractmethod
    def journal_location(self, table: str) -> str:
        """Where the journal of a publish whose first table is ``table`` lives."""

    @abstractmethod
    def read_journal(self, table: str) -> str | None:
        """The journal beside ``table``, or None."""

    @abstractmethod
    def write_journal(self, table: str, text: str) -> None:
        """Write the journal beside ``table`` atomically: it is there whole, or not at all."""

    @abstractmethod
    def delete_journal(self, table: str) -> None:
        """Delete the journal beside ``table``, if any."""


def escaped(value: str) -> bool:
    """Whether Spark would escape a character of ``value`` in a partition folder's name."""
    return any(char in HIVE_ESCAPED or ord(char) < 32 for char in value)


def partial_swap(table: str, staged: str, files: Sequence[str], scope: PartitionScope) -> Swap:
    """The swap of the partitions in ``scope``; a staged file outside them is an error, and nothing is published."""
    outside = sorted(name for name in files if not any(name.startswith(f"{folder}/") for folder in scope.folders))
    if outside:
        raise PublishError(
            f"the run staged files for {table} outside the partitions it may replace ({', '.join(scope.folders)}), "
            f"e.g. {outside[:3]}: nothing was published"
        )
    return Swap(table, staged, tuple(files), scope.folders, scope.started)


def split_location(location: str) -> tuple[str, str]:
    """``s3://bucket/out/t`` -> ``('s3://bucket/out', 't')``: a table needs a parent folder and a name."""
    parent, _, name = location.rstrip("/").rpartition("/")
    if not name or not parent or parent.endswith(":/") or parent.endswith(":"):
        raise PublishError(f"{location!r} is not a table path: give each table a folder of its own, e.g. <out>/<table>")
    return parent, name


# --- Local filesystem: a symlink to the current version, swapped in one rename -------------------------


def local_path(location: str) -> Path:
    """A plain or ``file:`` location as an absolute local path."""
    if location.startswith("file:"):
        location = urlparse(location).path
    return Path(os.path.abspath(location))


class LocalPublisher(Publisher):
    """``<parent>/<table>`` is a symlink to ``.<table>.versions/<version>``; a swap renames a new link over it.

    A table path that is still a real folder, from before tables were published this way, is first moved
    into the versions folder (one rename), then replaced by the link like any previous version. A crash
    between those two renames leaves no table at the path, and the old rows in the versions folder, until
    the next write rolls the publish forward.
    """

    def staging_location(self, table: str, version: str) -> str:
        return str(self._area(local_path(table)) / version)

    def plan(self, table: str, staged: str, scope: PartitionScope | None = None) -> Swap:
        root = local_path(staged)
        if not root.is_dir():
            raise PublishError(f"nothing was staged for {table} at {staged}")
        if scope is None:
            return Swap(table, staged)
        names = (path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
        return partial_swap(table, staged, sorted(name for name in names if not is_marker(name)), scope)

    def swap(self, swap: Swap) -> None:
        table, version = local_path(swap.table), local_path(swap.staged)
        if _current_version(table, self._area(table)) == version.name:
            return
        if swap.partitions and table.is_dir():
            self._swap_partitions(swap, Path(os.path.realpath(table)), version)
            return
        if not version.is_dir():
            raise PublishError(
                f"cannot publish {swap.table}: its staged version {version} is gone. Delete the journal "
                f"{self.journal_location(swap.table)} to give the interrupted publish up; the tables stay as they are."
            )
        if table.is_dir() and not table.is_symlink():
            os.rename(table, version.parent / f".migrated-{secrets.token_hex(4)}")
        elif table.exists() and not table.is_symlink():
            raise PublishError(f"{swap.table} is a file, not a table folder; move it away and run again")
        link = version.parent / f".link-{secrets.token_hex(4)}"
        os.symlink(f"{version.parent.name}/{version.name}", link)
        os.replace(link, table)

    @staticmethod
    def _swap_partitions(swap: Swap, root: Path, staged: Path) -> None:
        """Move the staged files into the folder the table's link points to, then delete the replaced ones."""
        for name in swap.files:
            source = staged / name
            if source.is_file():
                target = root / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        swap.check_landed(name for name in swap.files if (root / name).is_file())
        for folder in swap.partitions:
            base = root / folder
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                if path.is_file() and swap.replaces(path.relative_to(root).as_posix(), path.stat().st_mtime):
                    path.unlink()
            for directory in sorted((d for d in [base, *base.rglob("*")] if d.is_dir()), reverse=True):
                if not any(directory.iterdir()):
                    directory.rmdir()  # a partition whose rows are all gone; never one another writer just filled
        _remove_local(staged)

    def sweep(self, table: str) -> list[str]:
        path = local_path(table)
        area = self._area(path)
        if not area.is_dir():
            return []
        current = _current_version(path, area)
        removed = []
        for entry in sorted(area.iterdir()):
            if entry.name != current:
                _remove_local(entry)
                removed.append(entry.name)
        if current is None and not any(area.iterdir()):
            area.rmdir()
        return removed

    def discard(self, staged: str) -> None:
        _remove_local(local_path(staged))

    def journal_location(self, table: str) -> str:
        return str(self._area(local_path(table)) / JOURNAL)

    def read_journal(self, table: str) -> str | None:
        journal = Path(self.journal_location(table))
        return journal.read_text(encoding="utf-8") if journal.is_file() else None

    def write_journal(self, table: str, text: str) -> None:
        journal = Path(self.journal_location(table))
        journal.parent.mkdir(parents=True, exist_ok=True)
        temporary = journal.with_name(f"{JOURNAL}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, journal)

    def delete_journal(self, table: str) -> None:
        Path(self.journal_location(table)).unlink(missing_ok=True)

    @staticmethod
    def _area(table: Path) -> Path:
        return table.parent / f".{table.name}.versions"


def _current_version(table: Path, area: Path) -> str | None:
    """The version folder in ``area`` that the symlink at ``table`` points to, if it is one."""
    if not table.is_symlink():
        return None
    target = Path(os.path.realpath(table))
    return target.name if target.parent == Path(os.path.realpath(area)) else None


def _remove_local(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


# --- S3 and other Hadoop filesystems: staged files moved in, then the old ones deleted ---------------------


class FileStore(ABC):
    """The few file operations ``MovePublisher`` needs, on one kind of storage."""

    @abstractmethod
    def files(self, location: str) -> list[str]:
        """Every file under ``location``, recursively, relative to it, sorted; none if it does not exist."""

    @abstractmethod
    def modified(self, location: str) -> dict[str, float]:
        """Every file under ``location``, relative to it, with its last-modified time (seconds since the epoch)."""

    @abstractmethod
    def move(self, source: str, target: str) -> None:
        """Move one file, replacing ``target``."""

    @abstractmethod
    def delete_files(self, locations: Sequence[str]) -> None:
        """Delete these files."""

    @abstractmethod
    def delete(self, location: str) -> None:
        """Delete ``location`` and everything under it; nothing happens if it does not exist."""

    @abstractmethod
    def read_text(self, location: str) -> str | None:
        """The text of one file, or None if there is none."""

    @abstractmethod
    def write_text(self, location: str, text: str) -> None:
        """Write one file so that it is there whole or not at all."""


class MovePublisher(Publisher):
    """``<parent>/<table>`` is a folder of files, staged under ``.<table>.staging/<version>`` and moved in.

    A swap moves every staged file in, then deletes the table's files that are not in the new version (and
    the folders left empty, such as a partition whose rows are gone). The table is never empty while this
    runs, but for a while it holds files of both versions. Resumed after a crash, a swap moves what is
    still staged and deletes what is not new: the journal's file list says which files are new.
    """

    def __init__(self, store: FileStore) -> None:
        self.store = store

    def staging_location(self, table: str, version: str) -> str:
        return f"{self._area(table)}/{version}"

    def plan(self, table: str, staged: str, scope: PartitionScope | None = None) -> Swap:
        # Data files only: a marker moved in (``_SUCCESS`` sorts first) would announce a table not there yet.
        files = [name for name in self.store.files(staged) if not is_marker(name)]
        if scope is not None:
            return partial_swap(table, staged, files, scope)
        if not files:
            raise PublishError(f"nothing was staged for {table} at {staged}")
        return Swap(table, staged, tuple(files))

    def swap(self, swap: Swap) -> None:
        still_staged = set(self.store.files(swap.staged))
        for name in swap.files:
            if name in still_staged:
                self.store.move(f"{swap.staged}/{name}", f"{swap.table}/{name}")
        if swap.partitions:
            self._delete_replaced(swap)
        else:
            new = set(swap.files)
            old = [name for name in self.store.files(swap.table) if name not in new]
            self.store.delete_files([f"{swap.table}/{name}" for name in old])
            for folder in emptied_folders(old, swap.files):
                self.store.delete(f"{swap.table}/{folder}")
        self.store.delete(swap.staged)

    def _delete_replaced(self, swap: Swap) -> None:
        """In each partition of a partial swap: delete the files it replaces, and the EMRFS marker of a partition
        left empty (deleting the folder itself could take a file another writer has just put there)."""
        listings = {folder: self.store.modified(f"{swap.table}/{folder}") for folder in swap.partitions}
        swap.check_landed(f"{folder}/{name}" for folder, listing in listings.items() for name in listing)
        for folder, listing in listings.items():
            location = f"{swap.table}/{folder}"
            replaced = [name for name, modified in listing.items() if swap.replaces(f"{folder}/{name}", modified)]
            self.store.delete_files([f"{location}/{name}" for name in replaced])
            if len(replaced) == len(listing):
                self.store.delete_files([f"{location}{FOLDER_MARKER_SUFFIX}"])

    def sweep(self, table: str) -> list[str]:
        area = self._area(table)
        left = sorted({name.split("/")[0] for name in self.store.files(area)})
        self.store.delete(area)
        return left

    def discard(self, staged: str) -> None:
        self.store.delete(staged)

    def journal_location(self, table: str) -> str:
        return f"{self._area(table)}/{JOURNAL}"

    def read_journal(self, table: str) -> str | None:
        return self.store.read_text(self.journal_location(table))

    def write_journal(self, table: str, text: str) -> None:
        self.store.write_text(self.journal_location(table), text)

    def delete_journal(self, table: str) -> None:
        self.store.delete_files([self.journal_location(table)])

    @staticmethod
    def _area(table: str) -> str:
        parent, name = split_location(table)
        return f"{parent}/.{name}.staging"


def is_marker(name: str) -> bool:
    """``name`` (relative to a table) is what a write leaves beside the data: ``_SUCCESS``, a ``.crc`` checksum,
    staging under ``_``/``.`` names, an EMRFS folder marker."""
    return name.endswith(FOLDER_MARKER_SUFFIX) or any(part.startswith(("_", ".")) for part in name.split("/"))


def emptied_folders(old: Iterable[str], new: Iterable[str]) -> list[str]:
    """The folders of the ``old`` files that hold no ``new`` file, outermost only."""

    def folders(name: str) -> list[str]:
        parts = name.split("/")[:-1]
        return ["/".join(parts[: depth + 1]) for depth in range(len(parts))]

    kept = {folder for name in new for folder in folders(name)}
    gone = {folder for name in old for folder in folders(name)} - kept
    return sorted(folder for folder in gone if folder.rpartition("/")[0] not in gone)


class HadoopStore(FileStore):
    """Any Hadoop filesystem, through Spark's JVM: a move is a ``rename``."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def files(self, location: str) -> list[str]:
        return relative_files(self.spark, location)

    def modified(self, location: str) -> dict[str, float]:
        return modified_files(self.spark, location)

    def move(self, source: str, target: str) -> None:
        fs, source_path = hadoop_path(self.spark, source)
        _, target_path = hadoop_path(self.spark, target)
        if fs.exists(target_path):
            fs.delete(target_path, False)
        fs.mkdirs(target_path.getParent())
        if not fs.rename(source_path, target_path):
            raise OSError(f"could not move {source} to {target}")

    def delete_files(self, locations: Sequence[str]) -> None:
        for location in locations:
            delete_path(self.spark, location)

    def delete(self, location: str) -> None:
        delete_path(self.spark, location)

    def read_text(self, location: str) -> str | None:
        return read_text(self.spark, location)

    def write_text(self, location: str, text: str) -> None:
        write_text(self.spark, location, text)


class S3Store(FileStore):
    """S3 through boto3: a move is a server-side copy then a delete; one PUT writes an object whole."""

    def __init__(self, client: S3Client | None = None) -> None:
        self._client = client

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = boto3.client("s3")
        return self._client

    def files(self, location: str) -> list[str]:
        bucket, key = split_s3_uri(location)
        prefix = f"{key}/"
        return sorted(item["Key"].removeprefix(prefix) for item in list_objects(self.client, bucket, prefix))

    def modified(self, location: str) -> dict[str, float]:
        bucket, key = split_s3_uri(location)
        prefix = f"{key}/"
        listing = list_objects(self.client, bucket, prefix)
        return {item["Key"].removeprefix(prefix): item["LastModified"].timestamp() for item in listing}

    def move(self, source: str, target: str) -> None:
        source_bucket, source_key = split_s3_uri(source)
        bucket, key = split_s3_uri(target)
        copy_source: CopySourceTypeDef = {"Bucket": source_bucket, "Key": source_key}
        self.client.copy(CopySource=copy_source, Bucket=bucket, Key=key, Config=TRANSFER_CONFIG)
        self.client.delete_object(Bucket=source_bucket, Key=source_key)

    def delete_files(self, locations: Sequence[str]) -> None:
        by_bucket: dict[str, list[str]] = {}
        for location in locations:
            bucket, key = split_s3_uri(location)
            by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in by_bucket.items():
            delete_keys(self.client, bucket, keys)

    def delete(self, location: str) -> None:
        bucket, key = split_s3_uri(location)
        under = [item["Key"] for item in list_objects(self.client, bucket, f"{key}/")]
        # Deleting a key that does not exist succeeds, so the key itself and its EMRFS marker need no look-up.
        delete_keys(self.client, bucket, [key, f"{key}{FOLDER_MARKER_SUFFIX}", *under])

    def read_text(self, location: str) -> str | None:
        bucket, key = split_s3_uri(location)
        try:
            body = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return body.decode("utf-8")

    def write_text(self, location: str, text: str) -> None:
        bucket, key = split_s3_uri(location)
        self.client.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))


def partition_values(spark: SparkSession, table: str, column: str) -> list[str]:
    """The values of ``column``, a table's first partition column, that have a folder in it, sorted; none if the
    table does not exist. Folders under ``_``/``.`` names and empty folders are not partitions."""
    prefix = f"{column}="
    if is_s3(table):
        names = S3Store().files(table)
    elif isinstance(publisher_for(spark, table), LocalPublisher):
        root = local_path(table)
        names = [path.relative_to(root).as_posix() for path in root.glob(f"{prefix}*/*")] if root.is_dir() else []
    else:
        names = HadoopStore(spark).files(table)
    folders = {name.split("/")[0] for name in names if "/" in name and not is_marker(name)}
    return sorted(unquote(folder[len(prefix) :]) for folder in folders if folder.startswith(prefix))


# --- One write's outputs ---------------------------------------------------------------------------------


def publisher_for(spark: SparkSession, location: str) -> Publisher:
    """The publisher for a table at ``location``: by its scheme, or for a plain path by Spark's default filesystem."""
    if is_s3(location):
        return MovePublisher(S3Store())
    fs, _ = hadoop_path(spark, location)
    if fs.getUri().getScheme() == "file":
        return LocalPublisher()
    return MovePublisher(HadoopStore(spark))


class Publication:
    """The outputs of one write, staged by the run and then published together.

    ``prepare`` first (it finishes a publish a kill interrupted and removes what killed runs left), then
    write each table to ``staging(name)``, then ``publish``. After a failure before ``publish``, ``abandon``
    deletes this run's staging. ``publishers`` picks the publisher of each table path (default:
    ``publisher_for``). ``scopes`` names the tables of which the run staged, and publishes, only some
    partitions (``PartitionScope``); the others are replaced whole.
    """

    def __init__(
        self,
        spark: SparkSession,
        tables: Mapping[str, str],
        run_id: str,
        *,
        publishers: Callable[[str], Publisher] | None = None,
        scopes: Mapping[str, PartitionScope] | None = None,
    ) -> None:
        self.version = f"{run_id}-{secrets.token_hex(4)}"
        if not VERSION_PATTERN.fullmatch(self.version):
            raise PublishError(f"run id {run_id!r} cannot name a folder: use letters, digits, '_', '.' and '-'")
        shared = sorted({path for path in tables.values() if list(tables.values()).count(path) > 1})
        if shared:
            raise PublishError(f"outputs share the paths {shared}: give each output a path of its own")
        self._publisher_for = publishers or (lambda location: publisher_for(spark, location))
        self._tables = dict(tables)
        self._scopes = dict(scopes or {})
        # Table path -> the files this run's roll-forward moved into it (for its partial swaps: superseded).
        self._rolled: dict[str, set[str]] = {}
        unknown = sorted(set(self._scopes) - set(tables))
        if unknown:
            raise PublishError(f"partition scopes for {unknown}, which are not tables of this write: {sorted(tables)}")
        # By path: the journal lives beside the first, and every run goes through the tables in one order.
        self._order = sorted(tables, key=lambda name: tables[name])
        self._publishers = {name: self._publisher_for(path) for name, path in tables.items()}
        self._staged = {
            name: self._publishers[name].staging_location(path, self.version) for name, path in tables.items()
        }
        self._published = False

    def staging(self, name: str) -> str:
        """Where this run writes output ``name``."""
        return self._staged[name]

    def prepare(self) -> None:
        """Finish a publish that was interrupted (its journal is beside one of these tables), then sweep."""
        for name in self._order:
            self._roll_forward(self._publishers[name], self._tables[name])
        for name in self._order:
            removed = self._publishers[name].sweep(self._tables[name])
            if removed:
                LOG.warning("removed what killed runs left beside %s: %s", self._tables[name], ", ".join(removed))

    def publish(self) -> None:
        """Publish every staged table; call once every one is written and counted."""
        if not self._order:
            return
        swaps = [self._planned(name) for name in self._order]
        first = self._order[0]
        owner, owner_table = self._publishers[first], self._tables[first]
        # From here on the staged tables belong to the journal: the next write finishes what this one starts.
        self._published = True
        owner.write_journal(owner_table, json.dumps({"version": self.version, "swaps": [s.to_json() for s in swaps]}))
        for name, swap in zip(self._order, swaps, strict=True):
            self._publishers[name].swap(swap)
        owner.delete_journal(owner_table)
        for name in self._order:
            self._publishers[name].sweep(self._tables[name])

    def _planned(self, name: str) -> Swap:
        """The swap of table ``name``; a partial one also replaces, in its partitions, what this run's roll-forward
        moved in."""
        swap = self._publishers[name].plan(self._tables[name], self._staged[name], self._scopes.get(name))
        if not swap.partitions:
            return swap
        rolled = self._rolled.get(self._tables[name], set())
        superseded = sorted(f for f in rolled if any(f.startswith(f"{folder}/") for folder in swap.partitions))
        return replace(swap, superseded=tuple(superseded))

    def abandon(self) -> None:
        """After a failure before ``publish``: delete this run's staging, leaving every table as it was."""
        if self._published:
            return
        for name in self._order:
            try:
                self._publishers[name].discard(self._staged[name])
            except Exception:  # the failure that brought us here matters more; the next write sweeps this
                LOG.warning("could not delete %s; the next write will", self._staged[name], exc_info=True)

    def _roll_forward(self, publisher: Publisher, table: str) -> None:
        text = publisher.read_journal(table)
        if text is None:
            return
        where = publisher.journal_location(table)
        try:
            journal = json.loads(text)
            version, swaps = str(journal["version"]), [Swap.from_json(item) for item in journal["swaps"]]
        except (ValueError, KeyError, TypeError) as error:
            raise PublishError(
                f"{where} is not a publish journal ({error!r}); delete it to give that publish up"
            ) from None
        LOG.warning(
            "the publish of %s was interrupted; finishing it: %s", version, ", ".join(swap.table for swap in swaps)
        )
        for swap in swaps:
            self._publisher_for(swap.table).swap(swap)
            self._rolled.setdefault(swap.table, set()).update(swap.files)
        publisher.delete_journal(table)
