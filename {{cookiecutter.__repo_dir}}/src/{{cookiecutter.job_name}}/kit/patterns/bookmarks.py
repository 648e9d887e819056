"""Only processing unprocessed data: job bookmarks, Glue's on Glue and an emulation of them anywhere else.

The declaration (``jobs/<job>.json``, key ``bookmarks``) names the inputs a run reads incrementally, and
how each output that grows from them takes in the new rows::

    "bookmarks": {
      "inputs": ["orderdetails"],
      "merge": {"fact_orders": {"key": ["order_number", "product_code"]}}
    }

The job argument ``--job-bookmark-option`` (Glue's own, set by Terraform) decides what a run does:

- ``job-bookmark-disable`` (Glue's default, and a run without the argument): every file is read and every
  output rebuilt whole, as without the pattern;
- ``job-bookmark-enable``: each bookmarked input is read for the files that are new or rewritten since the
  last successful run, and the bookmark moves on when the run commits;
- ``job-bookmark-pause``: read from the last bookmark, as ``enable``, and save nothing.

**On Glue** each bookmarked input is first read through ``GlueContext.create_dynamic_frame.from_options``
with the input's name as its ``transformation_ctx``: Glue's bookmark decides which files that returns, and
the kit's own reader (contracts, quarantine, exact bytes) then reads exactly those files. ``Job.commit``
saves the bookmark on success only (``kit/runtime/glue``). That costs a second scan of the new files.

**Anywhere else** (local runs, tests, spark-submit, EMR) no bookmark service exists, so ``BookmarkStore``
follows Glue's rules in a folder or under an S3 prefix (``--bookmark_store``):
state per job name and per ``transformation_ctx``, a file admitted when it is new or its last-modified time
is later than the one recorded, saved whole (one object per committed run) only when the run commits; a
failed run saves nothing; a second run of the same job while one holds the store's lock is refused; a
context with no bookmark while the store has others the job no longer reads is warned about (a renamed
``transformation_ctx`` starts from scratch). ``python -m <package>.kit.cli.bookmarks`` shows, resets and
rewinds a store, as ``aws glue reset-job-bookmark`` does on Glue.

**Merging.** A run that read only new files must not rebuild an output from them alone. Each output under
``merge`` is rebuilt for the partitions its new rows fall in, plus those that hold an older row with one of
their keys: those partitions' rows as published, and the new rows, one row per ``key``, the latest by
``latest`` (columns, largest wins) where given, else this run's. The output is published for those
partitions only (``kit/io/publish.PartitionScope``): every other partition is left as it is. An output
without partitions is rewritten whole, old rows and new.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from botocore.exceptions import ParamValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from ..args import TempPath
from ..declarations import load_contract
from ..io.hadoop_fs import data_files
from ..io.s3 import is_s3, list_objects, split_s3_uri
from ..runtime.run import ActiveRun, current_run
from . import Pattern

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LOG = logging.getLogger(__name__)
PACKAGE = __name__.split(".", 1)[0]
BookmarkOption = Literal["job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause"]
ENABLE: BookmarkOption = "job-bookmark-enable"
DISABLE: BookmarkOption = "job-bookmark-disable"
PAUSE: BookmarkOption = "job-bookmark-pause"
RUNS = "runs"
LOCK = "lock.json"
SETTINGS_SHAPE = (
    'Expected {"inputs": [input, ...], "merge": {output: {"key": [column, ...], "latest": [column, ...]} }}, '
    "with merge and latest optional."
)
_SOURCE, _RANK = "_bookmark_source", "_bookmark_rank"


class BookmarkError(ValueError):
    """The declaration's bookmark settings, or a run's arguments, do not fit together."""


class ConcurrentRunError(RuntimeError):
    """Another run of the job holds the bookmark store: two runs would read the same files."""


class BookmarkArguments(BaseModel):
    """Glue's bookmark option, and where a run off Glue keeps its bookmarks."""

    # extra="allow": a reprocessing run's dates are seen here, to refuse them with bookmarks on (validate).
    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    job_bookmark_option: BookmarkOption = Field(
        default=DISABLE,
        alias="job-bookmark-option",
        description="Glue's own: job-bookmark-enable reads only new files of the bookmarked inputs, "
        "job-bookmark-pause reads them without saving, job-bookmark-disable (the default) reads every file",
    )
    bookmark_store: TempPath | None = Field(
        default=None,
        description="off Glue only: the folder or s3:// prefix that keeps the job's bookmarks; Glue keeps its own",
    )

    @property
    def incremental(self) -> bool:
        return self.job_bookmark_option != DISABLE


class MergeSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: list[str] = Field(min_length=1)
    latest: list[str] = Field(default_factory=list)


class BookmarkSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs: list[str] = Field(min_length=1)
    merge: dict[str, MergeSpec] = Field(default_factory=dict)


def parse_settings(settings: Mapping[str, Any]) -> BookmarkSettings | None:
    """The declaration's ``bookmarks`` settings, checked; None when the job declares none."""
    if not settings:
        return None
    try:
        return BookmarkSettings.model_validate(settings)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'bookmarks'}: {error['msg']}" for error in exc.errors()
        )
        raise BookmarkError(f"bookmarks settings: {problems}. {SETTINGS_SHAPE}") from None


# --- the store -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bookmark:
    """What one committed run left: per ``transformation_ctx``, each file read so far and its last-modified time."""

    run: int
    run_id: str
    committed_at: str
    sources: dict[str, dict[str, int]]

    def to_json(self) -> str:
        return json.dumps(
            {"run": self.run, "run_id": self.run_id, "committed_at": self.committed_at, "sources": self.sources},
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Bookmark:
        data = json.loads(text)
        return cls(int(data["run"]), str(data["run_id"]), str(data["committed_at"]), dict(data["sources"]))


EMPTY = Bookmark(0, "", "", {})


class BookmarkStore:
    """The bookmarks of one job, in a local folder or under an s3:// prefix: ``<location>/<job>/runs/<n>.json``,
    one file per committed run (each the whole state, so a rewind is deleting the later ones), and ``lock.json``
    while a run is going on. Plain files and boto3: no Spark needed, so the command-line tool works without one.
    """

    def __init__(self, location: str, job_name: str, s3: S3Client | None = None) -> None:
        self.location = f"{location.rstrip('/')}/{job_name}"
        self.job_name = job_name
        self._s3 = s3

    # -- reading

    def history(self) -> list[Bookmark]:
        """Every committed run's bookmark, oldest first."""
        names = sorted(name for name in self._list(RUNS) if name.endswith(".json"))
        return [Bookmark.from_json(self._read(f"{RUNS}/{name}") or "") for name in names]

    def current(self) -> Bookmark:
        runs = self.history()
        return runs[-1] if runs else EMPTY

    # -- writing

    def save(self, run_id: str, sources: Mapping[str, Mapping[str, int]]) -> Bookmark:
        """Save the state after ``run_id``, as one new file: it lands whole (a rename, or one S3 PUT) or not at all."""
        number = self.current().run + 1
        committed = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        bookmark = Bookmark(number, run_id, committed, {ctx: dict(files) for ctx, files in sources.items()})
        self._write(f"{RUNS}/{number:08d}.json", bookmark.to_json())
        return bookmark

    def reset(self) -> int:
        """Forget every run: the next one reads every file. Returns how many runs were forgotten."""
        runs = self._list(RUNS)
        for name in runs:
            self._delete(f"{RUNS}/{name}")
        return len(runs)

    def rewind(self, run_id: str) -> Bookmark:
        """Go back to the bookmark ``run_id`` committed: the runs after it are forgotten, so the next run reads
        what arrived (or was rewritten) since ``run_id``."""
        runs = self.history()
        target = next((bookmark for bookmark in runs if bookmark.run_id == run_id), None)
        if target is None:
            known = ", ".join(bookmark.run_id for bookmark in runs[-5:]) or "none"
            raise BookmarkError(f"{self.location} has no committed run {run_id!r}; the last ones are: {known}.")
        for bookmark in runs:
            if bookmark.run > target.run:
                self._delete(f"{RUNS}/{bookmark.run:08d}.json")
        return target

    def lock(self, run_id: str) -> None:
        """Take the store for ``run_id``, or refuse: another run of the job holds it."""
        text = json.dumps({"run_id": run_id, "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        if self._create(LOCK, text):
            return
        held = self._read(LOCK) or "{}"
        holder = json.loads(held)
        raise ConcurrentRunError(
            f"Job {self.job_name} is already running (run {holder.get('run_id')}, since {holder.get('since')}): "
            f"a second run would read the same new files. Glue refuses it too (max_concurrent_runs = 1). If no "
            f"run is going on, a killed run left {self.location}/{LOCK} behind: remove it with "
            f"'python -m {PACKAGE}.kit.cli.bookmarks --store {self.location.rsplit('/', 1)[0]} "
            f"--job {self.job_name} unlock'."
        )

    def unlock(self, run_id: str | None = None) -> bool:
        """Release the lock (only if ``run_id`` holds it, when given). Returns whether there was one."""
        held = self._read(LOCK)
        if held is None or (run_id is not None and json.loads(held).get("run_id") != run_id):
            return False
        self._delete(LOCK)
        return True

    # -- files: local or S3

    def _client(self) -> S3Client:
        if self._s3 is None:
            import boto3  # on every Glue runtime; imported here so a local store needs no AWS setup

            self._s3 = boto3.client("s3")
        return self._s3

    def _key(self, name: str) -> tuple[str, str]:
        return split_s3_uri(f"{self.location}/{name}")

    def _list(self, folder: str) -> list[str]:
        if is_s3(self.location):
            bucket, prefix = self._key(f"{folder}/")
            return sorted(item["Key"][len(prefix) :] for item in list_objects(self._client(), bucket, prefix))
        root = Path(self.location, folder)
        return sorted(path.name for path in root.iterdir() if not path.name.startswith(".")) if root.is_dir() else []

    def _read(self, name: str) -> str | None:
        if is_s3(self.location):
            bucket, key = self._key(name)
            try:
                return self._client().get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
            except self._client().exceptions.NoSuchKey:
                return None
        path = Path(self.location, name)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def _write(self, name: str, text: str) -> None:
        if is_s3(self.location):
            bucket, key = self._key(name)
            self._client().put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
            return
        path = Path(self.location, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)

    def _create(self, name: str, text: str) -> bool:
        """Create ``name`` only if it does not exist; whether this call created it."""
        if is_s3(self.location):
            bucket, key = self._key(name)
            client = self._client()
            try:
                client.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"), IfNoneMatch="*")
            except ParamValidationError:
                # boto3 before 1.35 (the 1.34 that Glue 4.0 and 5.0 pin) has no conditional PUT: look, write, and
                # read back. Two runs starting within the same moment can both pass; Glue's own bookmarks never
                # use this store, and max_concurrent_runs = 1 guards them there.
                if self._read(name) is not None:
                    return False
                client.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
                return self._read(name) == text
            except client.exceptions.ClientError as exc:
                if exc.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict"):
                    return False
                raise
            return True
        path = Path(self.location, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        return True

    def _delete(self, name: str) -> None:
        if is_s3(self.location):
            bucket, key = self._key(name)
            self._client().delete_object(Bucket=bucket, Key=key)
            return
        Path(self.location, name).unlink(missing_ok=True)


# --- a run ---------------------------------------------------------------------------------------------------


@dataclass
class _LocalRun:
    """One run's use of the local store: the bookmark it started from and what it read, per context."""

    store: BookmarkStore
    start: Bookmark
    save: bool
    read: dict[str, dict[str, int]] = field(default_factory=dict)
    listed: dict[str, dict[str, int]] = field(default_factory=dict)

    def commit(self, run_id: str) -> None:
        try:
            if self.save:
                sources = {ctx: dict(files) for ctx, files in self.start.sources.items()}
                for ctx, listed in self.listed.items():
                    before, read = self.start.sources.get(ctx, {}), self.read[ctx]
                    # Every file read so far that is still there, at its time now (unchanged unless just re-read).
                    sources[ctx] = {
                        file: modified for file, modified in listed.items() if file in read or file in before
                    }
                saved = self.store.save(run_id, sources)
                LOG.info("bookmarks: run %s committed as bookmark %d in %s", run_id, saved.run, self.store.location)
        finally:
            self.store.unlock(run_id)

    def abort(self, run_id: str) -> None:
        LOG.warning("bookmarks: run %s failed; the bookmark stays at run %d", run_id, self.start.run)
        self.store.unlock(run_id)


def new_files(listed: Mapping[str, int], seen: Mapping[str, int]) -> list[str]:
    """The files of ``listed`` (path -> last-modified ms) a bookmark that has ``seen`` them lets through: those it
    has not seen, and those modified after the time it recorded (a rewritten file is read again)."""
    return sorted(file for file, modified in listed.items() if file not in seen or modified > seen[file])


def store_location(arguments: BookmarkArguments) -> str:
    if arguments.bookmark_store:
        return arguments.bookmark_store
    raise BookmarkError(
        f"--job-bookmark-option {arguments.job_bookmark_option} off Glue needs somewhere to keep the bookmarks: "
        "pass --bookmark_store <folder or s3:// prefix> (on Glue, Glue keeps them)."
    )


def _local_run(run: ActiveRun, settings: BookmarkSettings, arguments: BookmarkArguments) -> _LocalRun:
    """This run's use of the store, opened (and locked) by the first bookmarked read."""
    opened = run.state.get("bookmarks")
    if isinstance(opened, _LocalRun):
        return opened
    store = BookmarkStore(store_location(arguments), run.job_name)
    store.lock(run.run_id)
    try:
        start = store.current()
    except Exception:
        store.unlock(run.run_id)
        raise
    local = _LocalRun(store, start, save=arguments.job_bookmark_option == ENABLE)
    run.state["bookmarks"] = local
    run.on_end(lambda: local.commit(run.run_id), lambda: local.abort(run.run_id))
    fresh = sorted(set(settings.inputs) - set(start.sources))
    others = sorted(set(start.sources) - set(settings.inputs))
    if fresh and others:
        LOG.warning(
            "bookmarks: no bookmark yet for %s, so every one of its files is read; the store also holds %s, which "
            "this job no longer reads. A renamed input (its transformation_ctx) starts from scratch, as on Glue.",
            ", ".join(fresh),
            ", ".join(others),
        )
    return local


def _same_file(path: str) -> str:
    """A file's path as both sides name it: ``s3a://`` and ``s3://`` are one object, ``file:///x`` and ``file:/x``
    one file, and ``input_file_name`` escapes what a listing does not (a space as ``%20``)."""
    path = unquote(path)
    if is_s3(path):
        return "s3://" + path.removeprefix("s3a://").removeprefix("s3://")
    if path.startswith("file:"):
        return "/" + path.removeprefix("file:").lstrip("/")
    return path


def glue_admitted(glue_context: Any, ctx: str, path: str, format_name: str, listed: Mapping[str, int]) -> list[str]:
    """The files of ``listed`` that Glue's bookmark for ``ctx`` lets through: Glue reads ``path`` as a
    DynamicFrame with that ``transformation_ctx``, and the files its rows come from are the new ones."""
    # As the kit's reader reads them: CSV with a header and quoted line breaks, JSON one record per line.
    options = {"withHeader": True, "multiLine": True} if format_name == "csv" else {}
    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [path], "recurse": True},
        format=format_name,
        format_options=options,
        transformation_ctx=ctx,
    )
    # File names only, one row per file: metadata, not data, reaches the driver.
    rows = frame.toDF().select(F.input_file_name().alias("file")).distinct().collect()
    chosen = {_same_file(row["file"]) for row in rows}
    return sorted(file for file in listed if _same_file(file) in chosen)


def _admit_files(
    spark: SparkSession,
    name: str,
    path: str,
    format_name: str,
    listed: Mapping[str, int],
    settings: Any,
    arguments: Any,
) -> list[str] | None:
    parsed = parse_settings(settings)
    if parsed is None or name not in parsed.inputs or not arguments.incremental:
        return None
    run = current_run()
    if run is None:
        raise BookmarkError(
            f"--job-bookmark-option {arguments.job_bookmark_option} needs a run to bookmark: start the job "
            "through kit.handler.run_job (its main()), not by calling its pipeline."
        )
    glue_context = getattr(run.runtime, "glue_context", None)
    if glue_context is not None:
        chosen = glue_admitted(glue_context, name, path, format_name, listed)
        LOG.info("bookmarks: %s: %d of %d files new (Glue bookmark %s)", name, len(chosen), len(listed), name)
        return chosen
    local = _local_run(run, parsed, arguments)
    seen = local.start.sources.get(name, {})
    chosen = new_files(listed, seen)
    local.read[name], local.listed[name] = {file: listed[file] for file in chosen}, dict(listed)
    LOG.info("bookmarks: %s: %d of %d files new since bookmark %d", name, len(chosen), len(listed), local.start.run)
    return chosen


# --- merging the new rows into the outputs ---------------------------------------------------------------------


def _published(spark: SparkSession, name: str, path: str) -> DataFrame | None:
    """Output ``name`` as published at ``path`` (Parquet, its contract's schema), or None while it has no file."""
    if not data_files(spark, path):
        return None
    contract = load_contract(name)
    return spark.read.schema(contract.schema).parquet(path)


def merge_into(
    published: DataFrame | None, new: DataFrame, spec: MergeSpec, partition_by: Sequence[str]
) -> tuple[DataFrame, tuple[str, list[str]] | None]:
    """The rows to publish, and the partitions they replace (``(column, values)``; None: the whole table).

    Per key, the latest row by ``spec.latest`` (largest first, nulls last) wins, and on a tie (or without
    ``latest``) this run's row over a published one; ties within one side go to the row with the larger
    hash of all its columns, so reruns agree.
    """
    column = partition_by[0] if partition_by else None
    affected: list[str] | None = None
    if column is not None:
        moved = (
            published.join(new.select(*spec.key).distinct(), spec.key, "left_semi").select(column)
            if published is not None
            else None
        )
        keys = new.select(column) if moved is None else new.select(column).unionByName(moved)
        values = [row[0] for row in keys.distinct().collect()]
        if any(value is None for value in values):
            raise BookmarkError(
                f"new rows with no {column}: they would fall outside every partition the merge replaces. Fix the "
                f"rows, or give {column} a value in the job's transform."
            )
        affected = sorted(str(value) for value in values)
    if published is None:
        return new, (column, affected) if column is not None and affected is not None else None
    old = published.select(*new.columns)
    if column is not None:
        old = old.where(F.col(column).cast("string").isin(affected or []))
    both = old.withColumn(_SOURCE, F.lit(0)).unionByName(new.withColumn(_SOURCE, F.lit(1)))
    order = [F.col(name).desc_nulls_last() for name in spec.latest]
    order += [F.col(_SOURCE).desc(), F.xxhash64(*new.columns).desc()]
    winners = (
        both.withColumn(_RANK, F.row_number().over(Window.partitionBy(*spec.key).orderBy(*order)))
        .where(F.col(_RANK) == 1)
        .drop(_RANK, _SOURCE)
    )
    return winners, (column, affected or []) if column is not None else None


def _merge_outputs(
    spark: SparkSession,
    tables: Mapping[str, DataFrame],
    paths: Mapping[str, str],
    partition_keys: Mapping[str, Sequence[str]],
    settings: Any,
    arguments: Any,
) -> dict[str, tuple[DataFrame, tuple[str, list[str]] | None]]:
    parsed = parse_settings(settings)
    if parsed is None or not arguments.incremental:
        return {}
    merged = {}
    for name, spec in parsed.merge.items():
        table, scope = merge_into(_published(spark, name, paths[name]), tables[name], spec, partition_keys[name])
        merged[name] = (table, scope)
        where = f"partitions {scope[0]}={', '.join(scope[1]) or '(none)'}" if scope else "the whole table"
        LOG.info("bookmarks: %s: new rows merged into %s", name, where)
    return merged


def _validate(outputs: Mapping[str, Sequence[str]], settings: Any, arguments: Any) -> None:
    parsed = parse_settings(settings)
    if parsed is None:
        return
    unknown = sorted(set(parsed.merge) - set(outputs))
    if unknown:
        raise BookmarkError(f"bookmarks merge {unknown}: not outputs of the job ({sorted(outputs)}).")
    for name, spec in parsed.merge.items():
        columns = set(load_contract(name).columns)
        missing = [column for column in [*spec.key, *spec.latest] if column not in columns]
        if missing:
            raise BookmarkError(f"bookmarks merge {name}: {missing} are not columns of {name}'s contract.")
    if arguments.incremental and (arguments.model_extra or {}).get("reprocess_dates"):
        raise BookmarkError(
            "--reprocess_dates rebuilds its dates from every input file, but with --job-bookmark-option "
            f"{arguments.job_bookmark_option} only the new ones are read: run the rebuild with "
            "--job-bookmark-option job-bookmark-disable."
        )


PATTERN = Pattern(
    name="bookmarks",
    arguments=BookmarkArguments,
    validate=_validate,
    admit_files=_admit_files,
    merge_outputs=_merge_outputs,
)
