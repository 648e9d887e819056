"""The generic steps of a job's pipeline, driven by its declaration: read an input, write every output.

A job's pipeline reads its inputs with ``read_inputs``, transforms them with its own domain functions,
and hands the tables to ``write_outputs``. Each step logs one line (read, checked, written), so a local
run shows what happened without Spark's stage bars.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import reduce

from pydantic import BaseModel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from . import patterns
from .args import IntakeJobConfig, JobConfig, local_run_id
from .contracts import Contract
from .contracts.compliance import (
    COUNTS_COLUMN,
    POSITION_COLUMNS,
    ComplianceCheck,
    ContractViolationError,
    compliance_query,
    in_contract_order,
    watch_compliance,
)
from .declarations import DeclarationError, JobDeclaration, load_contract
from .io.hadoop_fs import data_files
from .io.publish import PartitionScope, Publication, split_location
from .io.quarantine import enforce
from .io.readers import SourceRead, fill, open_csv, open_json
from .io.writers import FileLayout, count_written, default_layout, write_table
from .labels import spark_jobs
from .results import IntakeReport, WrittenTable

LOG = logging.getLogger(__name__)
NOT_PUBLISHED = "The output was staged, not published: every table is as it was before the run."


class WriteMismatchError(RuntimeError):
    """The rows an output's write handed to the files are not the rows found in them afterwards."""


def read_inputs(
    spark: SparkSession,
    declaration: JobDeclaration,
    paths: Mapping[str, str],
    config: IntakeJobConfig,
    outputs: Mapping[str, str] | None = None,
) -> tuple[dict[str, DataFrame], list[IntakeReport]]:
    """Read each input ``name`` from ``paths[name]`` against its contract; each one's bad rows are handled by
    its declared policy. Returns the good rows by name, and what happened to each input, in order.

    One Spark job parses every input in full, fills its cache and counts every row-level problem of
    every input: small lookup tables cost no job each. Quarantines are written after it, for the inputs
    that have bad rows.

    An installed pattern may read more inputs (``ordered_inputs``) and fold them into the job's after intake
    (``fold_inputs``, the change-records pattern): it then needs ``outputs``, the paths the job will write
    each output to, and the output tables it makes are written by ``write_outputs`` with the job's own.
    """
    unknown = sorted(set(paths) - set(declaration.inputs))
    if unknown:
        raise DeclarationError(f"{unknown} are not inputs of job {declaration.job}: {sorted(declaration.inputs)}")
    if not paths:
        return {}, []
    ordered = _ordered_inputs(declaration, paths)
    paths = {**paths, **{name: path for name, path in ordered.items() if name not in paths}}
    reads: dict[str, SourceRead] = {}
    admitted: set[str] = set()  # the inputs a pattern chose the files of: a run may find no new one
    for name, path in paths.items():
        spec = declaration.inputs[name]
        opener = open_csv if spec.format == "csv" else open_json
        reads[name] = opener(
            spark,
            path,
            load_contract(name),
            encoding=spec.encoding,
            skip=spec.skip,
            positions=name in ordered,
            missing_ok=spec.optional,
            admit=_admitter(spark, declaration, name, path, config, admitted),
        )
    queries = {name: compliance_query(read.df, read.contract) for name, read in reads.items()}
    every_count = reduce(
        DataFrame.unionByName,
        [query.select(F.lit(name).alias("dataset"), COUNTS_COLUMN) for name, (query, _) in queries.items()],
    )
    with spark_jobs(spark, f"read and check {', '.join(reads)}"):
        counts = {row["dataset"]: row for row in fill(spark, list(reads.values()), every_count.collect)}
    tables, reports = {}, []
    for name, read in reads.items():
        spec = declaration.inputs[name]
        with spark_jobs(spark, f"quarantine {name}"):
            tables[name], report = enforce(
                read.df,
                read.contract,
                policy=spec.policy,
                quarantine_path=config.quarantine_path,
                run_id=config.run_id,
                check=queries[name][1](counts[name]),
                keep=POSITION_COLUMNS if name in ordered else (),
            )
        if spec.optional or name in admitted:
            report = replace(report, may_be_empty=True)
        quarantined = (
            f", {report.rows_quarantined} quarantined in {report.quarantine_path}" if report.rows_quarantined else ""
        )
        LOG.info("read     %-16s %8d rows, %d passed%s", name, report.rows_in, report.rows_out, quarantined)
        reports.append(report)
    return _fold_inputs(spark, declaration, tables, reports, outputs, config)


def _admitter(
    spark: SparkSession, declaration: JobDeclaration, name: str, path: str, config: BaseModel, admitted: set[str]
) -> Callable[[Mapping[str, int]], Sequence[str]] | None:
    """How input ``name``'s files are chosen when an installed pattern has a say (``admit_files``), else None;
    ``name`` is added to ``admitted`` when one did choose."""
    hooks = [
        (hook, declaration.settings_for(pattern.name), pattern.parsed_arguments(config))
        for pattern in patterns.installed()
        if (hook := pattern.admit_files) is not None
    ]
    if not hooks:
        return None
    file_format = declaration.inputs[name].format

    def admit(listed: Mapping[str, int]) -> Sequence[str]:
        chosen = sorted(listed)
        for hook, settings, arguments in hooks:
            picked = hook(spark, name, path, file_format, listed, settings, arguments)
            if picked is not None:
                chosen = [file for file in chosen if file in set(picked)]
                admitted.add(name)
        return chosen

    return admit


def _ordered_inputs(declaration: JobDeclaration, paths: Mapping[str, str]) -> dict[str, str]:
    """The inputs whose rows keep their place in their file, the job's own and those the patterns read beside them."""
    ordered: dict[str, str] = {}
    for pattern in patterns.installed():
        if pattern.ordered_inputs is not None:
            ordered.update(pattern.ordered_inputs(paths, declaration.settings_for(pattern.name)))
    unknown = sorted(set(ordered) - set(declaration.inputs))
    if unknown:
        raise DeclarationError(f"{unknown} are not inputs of job {declaration.job}: {sorted(declaration.inputs)}")
    return ordered


def _fold_inputs(
    spark: SparkSession,
    declaration: JobDeclaration,
    tables: dict[str, DataFrame],
    reports: list[IntakeReport],
    outputs: Mapping[str, str] | None,
    config: IntakeJobConfig,
) -> tuple[dict[str, DataFrame], list[IntakeReport]]:
    """The inputs as the installed patterns fold them; the output tables they make are handed to the run."""
    for pattern in patterns.installed():
        if pattern.fold_inputs is None:
            continue
        settings, arguments = declaration.settings_for(pattern.name), pattern.parsed_arguments(config)
        if settings and outputs is None:
            raise DeclarationError(
                f"The {pattern.name} pattern of job {declaration.job} writes an output while reading: pass the "
                "output paths to read_inputs (outputs={name: path for every declared output})."
            )
        folded = pattern.fold_inputs(spark, tables, outputs or {}, settings, arguments)
        if folded is None:
            continue
        tables.update(folded.inputs)
        for name, table in folded.outputs.items():
            config.carry_output(name, table)
        reports = [replace(report, note=folded.notes.get(report.dataset, report.note)) for report in reports]
    return tables, reports


def read_input(
    spark: SparkSession,
    declaration: JobDeclaration,
    name: str,
    path: str,
    config: IntakeJobConfig,
    outputs: Mapping[str, str] | None = None,
) -> tuple[DataFrame, IntakeReport]:
    """Read input ``name`` from ``path`` against its contract: ``read_inputs`` for one input (and those the
    installed patterns read beside it)."""
    if name not in declaration.inputs:
        raise DeclarationError(f"'{name}' is not an input of job {declaration.job}: {sorted(declaration.inputs)}")
    tables, reports = read_inputs(spark, declaration, {name: path}, config, outputs)
    return tables[name], next(report for report in reports if report.dataset == name)


def output_paths(declaration: JobDeclaration, main: str, path: str) -> dict[str, str]:
    """Where each declared output goes: ``main`` at ``path``, any other (one an installed pattern adds, such as
    the change-records pattern's state) in a folder of its own beside it, ``<parent of path>/<output>``."""
    if main not in declaration.outputs:
        raise DeclarationError(f"'{main}' is not an output of job {declaration.job}: {sorted(declaration.outputs)}")
    others = [name for name in declaration.outputs if name != main]
    parent = split_location(path)[0] if others else ""
    return {name: path if name == main else f"{parent}/{name}" for name in declaration.outputs}


def check_patterns(declaration: JobDeclaration, config: BaseModel) -> None:
    """Every installed pattern's settings and arguments, checked before the job reads anything."""
    outputs = {name: load_contract(name).partition_keys for name in declaration.outputs}
    for pattern in patterns.installed():
        if pattern.validate is not None:
            pattern.validate(outputs, declaration.settings_for(pattern.name), pattern.parsed_arguments(config))


def file_layout(declaration: JobDeclaration, name: str, partition_by: Sequence[str], config: BaseModel) -> FileLayout:
    """How output ``name`` is split into files: the last installed pattern with a say, else the default."""
    layout = default_layout()
    for pattern in patterns.installed():
        if pattern.file_layout is not None:
            settings, arguments = declaration.settings_for(pattern.name), pattern.parsed_arguments(config)
            layout = pattern.file_layout(name, partition_by, settings, arguments) or layout
    return layout


def derived_outputs(
    declaration: JobDeclaration, tables: Mapping[str, DataFrame], paths: Mapping[str, str], config: BaseModel
) -> tuple[dict[str, DataFrame], dict[str, str]]:
    """The job's tables and paths, with the outputs the installed patterns make from them added."""
    tables, paths = dict(tables), dict(paths)
    for pattern in patterns.installed():
        if pattern.derive_outputs is not None:
            settings, arguments = declaration.settings_for(pattern.name), pattern.parsed_arguments(config)
            for name, (table, path) in pattern.derive_outputs(tables, paths, settings, arguments).items():
                tables[name], paths[name] = table, path
    return tables, paths


def partition_scopes(
    spark: SparkSession,
    declaration: JobDeclaration,
    contracts: Mapping[str, Contract],
    paths: Mapping[str, str],
    config: BaseModel,
    started: float,
    owners: Mapping[str, str] | None = None,
    scopes: Mapping[str, PartitionScope] | None = None,
) -> dict[str, PartitionScope]:
    """The outputs of which this run rebuilds some partitions only, as a pattern asks; the rest are rebuilt whole.

    ``owners`` names the outputs a pattern has already claimed (``merged_outputs``), with ``scopes`` of them.
    """
    owners, scopes = dict(owners or {}), dict(scopes or {})
    for pattern in patterns.installed():
        if pattern.replace_partitions is None:
            continue
        settings, arguments = declaration.settings_for(pattern.name), pattern.parsed_arguments(config)
        for name, contract in contracts.items():
            chosen = pattern.replace_partitions(spark, name, paths[name], contract.partition_keys, settings, arguments)
            if chosen is None:
                continue
            if name in owners:
                raise DeclarationError(
                    f"Two cookbook patterns rebuild some partitions of {name} in one run ({owners[name]} and "
                    f"{pattern.name}); take {name} out of one of them in jobs/{declaration.job}.json."
                )
            column, values = chosen
            scopes[name], owners[name] = PartitionScope(column, tuple(values), started), pattern.name
    return scopes


def merged_outputs(
    spark: SparkSession,
    declaration: JobDeclaration,
    tables: Mapping[str, DataFrame],
    paths: Mapping[str, str],
    contracts: Mapping[str, Contract],
    config: BaseModel,
) -> tuple[dict[str, DataFrame], dict[str, str], dict[str, tuple[str, list[str]]]]:
    """The tables with the outputs the installed patterns merge into their published rows (``merge_outputs``)
    replaced; which pattern merged each, and the partitions each replaces (``(column, values)``; none: the
    new rows touch no partition, and the output is left as it is)."""
    tables = dict(tables)
    owners: dict[str, str] = {}
    scopes: dict[str, tuple[str, list[str]]] = {}
    keys = {name: contract.partition_keys for name, contract in contracts.items()}
    for pattern in patterns.installed():
        if pattern.merge_outputs is None:
            continue
        settings, arguments = declaration.settings_for(pattern.name), pattern.parsed_arguments(config)
        for name, (table, scope) in pattern.merge_outputs(spark, tables, paths, keys, settings, arguments).items():
            if name in owners:
                raise DeclarationError(
                    f"Two cookbook patterns merge into {name} ({owners[name]} and {pattern.name}); take {name} "
                    f"out of one of them in jobs/{declaration.job}.json."
                )
            tables[name], owners[name] = table, pattern.name
            if scope is not None:
                scopes[name] = scope
    return tables, owners, scopes


def _stage(
    publication: Publication,
    name: str,
    table: DataFrame,
    contract: Contract,
    layout: FileLayout,
    path: str,
    scope: PartitionScope | None = None,
) -> WrittenTable:
    """Write ``table`` to its staging location, checking its rows as they are written; count what landed.

    A row that breaks the contract raises once the write is done: the staged table is never published.
    With a ``scope``, ``table`` holds the rebuilt partitions only, and may hold no row: those partitions
    are then emptied when the run publishes.
    """
    spark = table.sparkSession
    staged = publication.staging(name)
    checks: list[Callable[[], ComplianceCheck]] = []

    def watch(shaped: DataFrame) -> DataFrame:
        watched, check = watch_compliance(shaped, contract)
        checks.append(check)
        return watched

    with spark_jobs(spark, f"write {name}"):
        write_table(table, staged, partition_by=contract.partition_keys, layout=layout, watch=watch)
    check = checks[0]()
    if check.violations:
        raise ContractViolationError(name, check.violations, note=NOT_PUBLISHED)
    if scope is not None and check.rows == 0:
        LOG.info("staged   %-16s %8d rows: %s will be emptied", name, 0, ", ".join(scope.folders))
        return WrittenTable(name=name, path=path, rows=0, files=0)
    with spark_jobs(spark, f"count {name}"):
        result = count_written(spark, name, path, staged=staged)
    if result.rows != check.rows:
        raise WriteMismatchError(
            f"Output '{name}': {check.rows} rows were written, but {result.rows} are in {staged}. Nothing was "
            "published. Rerun the job; if it happens again, look for another writer under that location."
        )
    LOG.info("staged   %-16s %8d rows, %d files", name, result.rows, result.files)
    return result


def write_outputs(
    declaration: JobDeclaration, tables: Mapping[str, DataFrame], paths: Mapping[str, str], config: BaseModel
) -> tuple[list[WrittenTable], list[str]]:
    """Write every output, checked against its contract, to staging, then publish them all; return what
    landed and the patterns' notes.

    Each output is written in full to a staging location of the run, and its rows are checked in that
    same write (observed metrics, no pass of their own); the staged files are then counted. Only when
    every output is staged and sound are they published (``kit/io/publish.py``), so a bad output, or a
    run that fails or is killed before then, leaves every table as it was. A missing, unexpected or
    retyped column is found before anything is written. First of all, a publish that a kill
    interrupted is finished. ``tables`` and ``paths`` must name exactly the declared outputs, but for
    those an installed pattern derives from them (``derive_outputs``); ``tables`` also need not hold those
    a pattern made while the inputs were read (``fold_inputs``, handed over through ``config``).

    An installed pattern may ask for some partitions of an output only (``replace_partitions``, the
    reprocessing pattern): that output is then filtered to them, staged and checked the same way, and
    published partition by partition (``PartitionScope``); its other partitions are left as they are. A
    pattern may also merge this run's rows into an output's published ones (``merge_outputs``, the bookmarks
    pattern): the merged rows replace the partitions they fall in, and an output they touch nowhere is not
    written at all.
    """
    if isinstance(config, JobConfig):
        tables = {**config.carried_outputs(), **tables}
    tables, paths = derived_outputs(declaration, tables, paths, config)
    for what, names in (("tables", tables), ("paths", paths)):
        if set(names) != set(declaration.outputs):
            raise DeclarationError(
                f"write_outputs got {what} for {sorted(names)}, but job {declaration.job} declares the outputs "
                f"{sorted(declaration.outputs)}; pass one for each."
            )
    # A declaration names at least one output, so there is a table to take the session from.
    spark = next(iter(tables.values())).sparkSession
    run_id = config.run_id if isinstance(config, JobConfig) else local_run_id()
    started = config.started if isinstance(config, JobConfig) else time.time()
    contracts = {name: load_contract(name) for name in declaration.outputs}
    tables, owners, merged = merged_outputs(spark, declaration, tables, paths, contracts, config)
    # A merged output whose new rows touch no partition is left as it is: nothing of it is staged or published.
    untouched = sorted(name for name, (_, values) in merged.items() if not values)
    every_output, contracts = contracts, {name: each for name, each in contracts.items() if name not in untouched}
    preset = {
        name: PartitionScope(column, tuple(values), started) for name, (column, values) in merged.items() if values
    }
    scopes = partition_scopes(spark, declaration, contracts, paths, config, started, owners, preset)
    ordered = {name: in_contract_order(tables[name], contract) for name, contract in contracts.items()}
    for name, scope in scopes.items():
        ordered[name] = ordered[name].where(F.col(scope.column).cast("string").isin(list(scope.values)))
    publication = Publication(spark, {name: paths[name] for name in contracts}, run_id, scopes=scopes)
    publication.prepare()
    try:
        written = [
            _stage(
                publication,
                name,
                ordered[name],
                contract,
                file_layout(declaration, name, contract.partition_keys, config),
                paths[name],
                scopes.get(name),
            )
            for name, contract in contracts.items()
        ]
        publication.publish()
    except BaseException:
        publication.abandon()
        raise
    for result in written:
        LOG.info("wrote    %-16s %8d rows, %d files: %s", result.name, result.rows, result.files, result.path)
    notes = [
        f"rebuilt {result.name} where {scopes[result.name].column} is {', '.join(scopes[result.name].values)}: "
        f"{result.rows} rows, {result.files} files; its other partitions are as they were"
        for result in written
        if result.name in scopes
    ]
    notes += [f"{name}: no new rows in this run; every partition is as it was" for name in untouched]
    landed: dict[str, DataFrame] = {}
    for pattern in patterns.installed():
        if pattern.after_write is not None:
            # The tables as they landed; read only when a pattern asks (reading Parquet back starts Spark jobs).
            landed = landed or {
                name: spark.read.parquet(paths[name])
                for name in every_output
                if name in contracts or data_files(spark, paths[name])
            }
            settings, arguments = declaration.settings_for(pattern.name), pattern.parsed_arguments(config)
            notes += pattern.after_write(landed, settings, arguments)
    for note in notes:
        LOG.info("%s", note)
    return written, notes
