"""The generic steps of a job's pipeline, driven by its declaration: read an input, write every output.

A job's pipeline reads its inputs with ``read_input``, transforms them with its own domain functions,
and hands the tables to ``write_outputs``. Each step logs one line (read, checked, written), so a local
run shows what happened without Spark's stage bars.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from pydantic import BaseModel
from pyspark.sql import DataFrame, SparkSession

from . import patterns
from .args import IntakeJobConfig, JobConfig, local_run_id
from .contracts.compliance import check_output
from .declarations import DeclarationError, JobDeclaration, load_contract
from .io.publish import Publication
from .io.quarantine import enforce
from .io.readers import read_csv, read_json
from .io.writers import FileLayout, count_written, default_layout, write_table
from .results import IntakeReport, WrittenTable

LOG = logging.getLogger(__name__)


def read_input(
    spark: SparkSession, declaration: JobDeclaration, name: str, path: str, config: IntakeJobConfig
) -> tuple[DataFrame, IntakeReport]:
    """Read input ``name`` from ``path`` against its contract; its bad rows are handled by its declared policy."""
    spec = declaration.inputs.get(name)
    if spec is None:
        raise DeclarationError(f"'{name}' is not an input of job {declaration.job}: {sorted(declaration.inputs)}")
    contract = load_contract(name)
    reader = read_csv if spec.format == "csv" else read_json
    good, report = enforce(
        reader(spark, path, contract, encoding=spec.encoding, skip=spec.skip),
        contract,
        policy=spec.policy,
        quarantine_path=config.quarantine_path,
        run_id=config.run_id,
    )
    quarantined = (
        f", {report.rows_quarantined} quarantined in {report.quarantine_path}" if report.rows_quarantined else ""
    )
    LOG.info("read     %-16s %8d rows, %d passed%s", name, report.rows_in, report.rows_out, quarantined)
    return good, report


def check_patterns(declaration: JobDeclaration, config: BaseModel) -> None:
    """Every installed pattern's settings and arguments, checked before the job reads anything."""
    outputs = {name: load_contract(name).partition_keys for name in declaration.outputs}
    for pattern in patterns.installed():
        if pattern.validate is not None:
            pattern.validate(outputs, declaration.settings_for(pattern.name), pattern.parsed_arguments(config))


def file_layout(
    declaration: JobDeclaration, name: str, rows: int, partition_by: Sequence[str], config: BaseModel
) -> FileLayout:
    """How output ``name`` is split into files: the last installed pattern with a say, else the default."""
    layout = default_layout(rows, partition_by)
    for pattern in patterns.installed():
        if pattern.file_layout is not None:
            settings, arguments = declaration.settings_for(pattern.name), pattern.parsed_arguments(config)
            layout = pattern.file_layout(name, rows, partition_by, settings, arguments) or layout
    return layout


def write_outputs(
    declaration: JobDeclaration, tables: Mapping[str, DataFrame], paths: Mapping[str, str], config: BaseModel
) -> tuple[list[WrittenTable], list[str]]:
    """Check every output against its contract, stage each one, then publish them all; return what landed and
    the patterns' notes.

    Every output is checked before the first is written, so a bad one leaves all output as it was. Each is
    then written in full to a staging location of the run and counted there; only when every one is are
    they published (``kit/io/publish.py``), so a run that fails or is killed before then leaves every table
    as it was. First of all, a publish that a kill interrupted is finished.
    ``tables`` and ``paths`` must name exactly the declared outputs.
    """
    for what, names in (("tables", tables), ("paths", paths)):
        if set(names) != set(declaration.outputs):
            raise DeclarationError(
                f"write_outputs got {what} for {sorted(names)}, but job {declaration.job} declares the outputs "
                f"{sorted(declaration.outputs)}; pass one for each."
            )
    # A declaration names at least one output, so there is a table to take the session from.
    spark = next(iter(tables.values())).sparkSession
    run_id = config.run_id if isinstance(config, JobConfig) else local_run_id()
    publication = Publication(spark, paths, run_id)
    publication.prepare()
    contracts = {name: load_contract(name) for name in declaration.outputs}
    checked: dict[str, DataFrame] = {}
    try:
        rows = {}
        for name, contract in contracts.items():
            checked[name] = check_output(tables[name], contract)
            rows[name] = checked[name].count()  # served from the cache the check filled
            LOG.info("checked  %-16s %8d rows", name, rows[name])
        written = []
        for name, contract in contracts.items():
            layout = file_layout(declaration, name, rows[name], contract.partition_keys, config)
            staged = publication.staging(name)
            write_table(checked[name], staged, partition_by=contract.partition_keys, layout=layout)
            result = count_written(spark, name, paths[name], staged=staged)
            LOG.info("staged   %-16s %8d rows, %d files", name, result.rows, result.files)
            written.append(result)
        publication.publish()
        for result in written:
            LOG.info("wrote    %-16s %8d rows, %d files: %s", result.name, result.rows, result.files, result.path)
        notes = []
        for pattern in patterns.installed():
            if pattern.after_write is not None:
                settings, arguments = declaration.settings_for(pattern.name), pattern.parsed_arguments(config)
                notes += pattern.after_write(checked, settings, arguments)
        for note in notes:
            LOG.info("%s", note)
        return written, notes
    except BaseException:
        publication.abandon()
        raise
    finally:
        for table in checked.values():
            table.unpersist()
