"""Cookbook patterns: each module is one recipe from the guide, and every job uses the ones installed.

A pattern module defines ``PATTERN = Pattern(...)``. The kit finds the modules present in this
package, so a pattern the template did not install, or one a team deletes, needs no edit anywhere
else. A job's settings for a pattern live in its declaration (``jobs/<job>.json``) under the pattern's
name; the job arguments a pattern adds are optional, and their defaults keep the job's behaviour.

Hook points (each optional):

- ``arguments``: a pydantic model of the job arguments the pattern adds to every job;
- ``validate(outputs, settings, arguments)``: checks the job's settings and arguments before any work
  (``outputs`` maps each output to its partition keys);
- ``file_layout(output, partition_by, settings, arguments)``: how an output is split into files
  (``kit/io/writers.FileLayout``), or None to leave it to the default;
- ``derive_outputs(tables, paths, settings, arguments)``: outputs the pattern makes from the job's own,
  as ``{name: (table, path)}``; each must be a declared output, with its contract, and is written with the rest;
- ``replace_partitions(spark, output, path, partition_by, settings, arguments)``: ``(column, values)`` when this run
  rebuilds only those partitions of an output (its first partition column), or None to rebuild it whole:
  the output is then written for those values only and published partition by partition
  (``kit/io/publish.PartitionScope``);
- ``admit_files(spark, input, path, format, listed, settings, arguments)``: which of an input's files this run
  reads (``listed`` maps each to its last-modified time, in ms), or None to read them all (the bookmarks pattern);
  a pattern that admits files makes that input one that may hold no row;
- ``ordered_inputs(paths, settings)``: given the inputs the job reads, those whose rows must keep their place
  in their file (``kit/io/readers``, for a pattern to whom row order matters), as ``{name: path}``: the job's
  own, or more that the pattern reads beside them (a path the job gave wins); each a declared input;
- ``fold_inputs(spark, tables, outputs, settings, arguments)``: after intake, with every input's good rows and
  the job's output paths: ``Folded``, the input tables it replaces, the output tables it makes for the run to
  write with the job's own, and a note per input; or None;
- ``merge_outputs(spark, tables, paths, partition_keys, settings, arguments)``: outputs whose rows this run
  merges into the published ones, as ``{name: (table, scope)}``: the rows to publish, and ``(column, values)``
  for the partitions they replace (None: the whole table); an output may be merged or rebuilt in part by one
  pattern only;
- ``after_write(tables, settings, arguments)``: runs once every output is published, with the tables
  as they landed (read back from their locations); returns lines for the run summary.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pyspark.sql import DataFrame, SparkSession

from ..io.writers import FileLayout

FileLayoutHook = Callable[[str, Sequence[str], Any, Any], "FileLayout | None"]
ValidateHook = Callable[[Mapping[str, Sequence[str]], Any, Any], None]
AfterWriteHook = Callable[[Mapping[str, DataFrame], Any, Any], list[str]]
DeriveOutputsHook = Callable[[Mapping[str, DataFrame], Mapping[str, str], Any, Any], dict[str, tuple[DataFrame, str]]]
AdmitFilesHook = Callable[[SparkSession, str, str, str, Mapping[str, int], Any, Any], "list[str] | None"]
MergeOutputsHook = Callable[
    [SparkSession, Mapping[str, DataFrame], Mapping[str, str], Mapping[str, Sequence[str]], Any, Any],
    "dict[str, tuple[DataFrame, tuple[str, list[str]] | None]]",
]
OrderedInputsHook = Callable[[Mapping[str, str], Any], dict[str, str]]
FoldInputsHook = Callable[[SparkSession, Mapping[str, DataFrame], Mapping[str, str], Any, Any], "Folded | None"]
ReplacePartitionsHook = Callable[[SparkSession, str, str, Sequence[str], Any, Any], "tuple[str, Sequence[str]] | None"]


@dataclass(frozen=True)
class Folded:
    """What ``fold_inputs`` made: input tables to use in place of (or beside) the job's, output tables to
    write with the job's own, and per input a line on what was made of it for the run summary."""

    inputs: dict[str, DataFrame]
    outputs: dict[str, DataFrame]
    notes: dict[str, str]


@dataclass(frozen=True)
class Pattern:
    """One installed cookbook pattern and where it takes part in a run."""

    name: str
    arguments: type[BaseModel] | None = None
    validate: ValidateHook | None = None
    file_layout: FileLayoutHook | None = None
    derive_outputs: DeriveOutputsHook | None = None
    replace_partitions: ReplacePartitionsHook | None = None
    admit_files: AdmitFilesHook | None = None
    ordered_inputs: OrderedInputsHook | None = None
    fold_inputs: FoldInputsHook | None = None
    merge_outputs: MergeOutputsHook | None = None
    after_write: AfterWriteHook | None = None

    def parsed_arguments(self, config: BaseModel) -> Any:
        """This pattern's arguments, taken from the job's parsed config (which includes them)."""
        if self.arguments is None:
            return None
        return self.arguments.model_validate(config.model_dump())


def installed() -> list[Pattern]:
    """Every pattern module in this package, by name."""
    found = []
    for name in installed_names():
        pattern = getattr(importlib.import_module(f"{__name__}.{name}"), "PATTERN", None)
        if not isinstance(pattern, Pattern) or pattern.name != name:
            raise TypeError(f"{__name__}.{name} must define PATTERN = Pattern(name='{name}', ...)")
        found.append(pattern)
    return found


def installed_names() -> list[str]:
    """The pattern modules present in this package, sorted (found without importing them)."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__))


def argument_models() -> list[type[BaseModel]]:
    """The argument models of the installed patterns, added to every job's arguments."""
    return [pattern.arguments for pattern in installed() if pattern.arguments is not None]
