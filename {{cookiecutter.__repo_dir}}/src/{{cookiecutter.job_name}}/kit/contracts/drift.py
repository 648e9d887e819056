"""Schema drift: what differs between the contracts and what already exists, and whether it breaks.

Two things already exist: the tables deployed in the Glue Catalog, and the bundled sample data. The
question for both is the one Glue Schema Registry's BACKWARD mode asks: can a reader using the new
contract read what is already there?

- a new nullable column: compatible (old rows read as null);
- a new required column: breaking (old rows have no value for it);
- a removed column: breaking. Avro BACKWARD allows deletes, but a table here is read by other jobs by
  column name, so a column that disappears breaks them;
- any type change, widening included: breaking (Spark 3's vectorized Parquet reader cannot read a
  file written as int with a bigint schema);
- nullable -> required: breaking (old rows may hold nulls); required -> nullable: compatible;
- partition keys changed: breaking (the data on S3 is laid out by the old keys);
- a comment changed: compatible, reported;
- a value rule tightened (added, a higher min or lower max, a value gone from allowed, not_blank added,
  a pattern added or changed): breaking, as nullable -> required is (the rows already there were never
  checked against it); loosened (removed, a lower min, a higher max, values added to allowed): compatible.
  One change per rule, so a table deployed before its rules existed shows each rule as tightened until
  the table definition with the rules is deployed (``make catalog-tables``).

Nested struct fields (and the elements of arrays and maps) are compared recursively; their paths read
``address.city``, ``lines.element.sku``. Column order is not compared: Parquet is read by name.

This module only compares schemas. ``kit/io/glue_catalog.py`` reads the deployed tables,
``kit/io/sample_data.py`` the sample data, and ``python -m <package>.kit.cli.schema_check`` (``make schema-check``)
prints the verdict; exit status 0 = nothing
breaking, 1 = something breaking, 2 = the check could not run (e.g. the Glue Catalog cannot be read).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from pyspark.sql.types import ArrayType, DataType, MapType, StructField, StructType

from .compliance import Violation
from .rules import RULE_NAMES, RULES_KEY, describe, same_rule, tightens

ADDED_NULLABLE = "added_nullable_column"
ADDED_REQUIRED = "added_required_column"
REMOVED = "removed_column"
TYPE_CHANGED = "type_changed"
BECAME_REQUIRED = "became_required"
BECAME_NULLABLE = "became_nullable"
PARTITION_KEYS_CHANGED = "partition_keys_changed"
COMMENT_CHANGED = "comment_changed"
RULE_TIGHTENED = "rule_tightened"
RULE_LOOSENED = "rule_loosened"
UNREADABLE_TABLE = "unreadable_deployed_table"

# Sample data that the job's reader rejects; every such finding is breaking.
SAMPLE_DATA_REJECTED = "the job would reject this sample data"


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference for one dataset. ``column`` is a dotted path; empty for a table-level change."""

    dataset: str
    column: str
    kind: str
    before: str | None
    after: str | None
    breaking: bool

    def describe(self) -> str:
        where = f"{self.dataset}.{self.column}" if self.column else self.dataset
        return f"{where}: {self.explain()}"

    def explain(self) -> str:
        before, after = self.before, self.after
        explanations = {
            ADDED_NULLABLE: f"nullable column added ({after}); existing rows read it as null",
            ADDED_REQUIRED: f"required column added ({after}); existing rows have no value for it",
            REMOVED: f"column removed (was {before}); jobs that read it by name would fail",
            TYPE_CHANGED: f"type changed {before} -> {after}; files written as {before} cannot be read as {after}",
            BECAME_REQUIRED: "nullable -> required; existing rows may hold nulls",
            BECAME_NULLABLE: "required -> nullable",
            PARTITION_KEYS_CHANGED: (
                f"partition keys changed [{before}] -> [{after}]; the data on S3 is laid out by the old keys"
            ),
            COMMENT_CHANGED: f"comment changed {before!r} -> {after!r}",
            RULE_TIGHTENED: (
                f"rule tightened {before or 'none'} -> {after or 'none'}; "
                "the rows already there were never checked against it"
            ),
            RULE_LOOSENED: f"rule loosened {before or 'none'} -> {after or 'none'}",
            UNREADABLE_TABLE: f"the deployed table's schema cannot be compared: {before}",
        }
        if self.kind in explanations:
            return explanations[self.kind]
        # A sample-data finding: the kind comes from the compliance check, the detail is its message.
        return f"{self.kind}: {after}; {SAMPLE_DATA_REJECTED}"


@dataclasses.dataclass(frozen=True)
class DatasetReport:
    """Everything found for one dataset by one check (catalog or sample data)."""

    dataset: str
    changes: tuple[Change, ...] = ()
    deployed: bool = True
    note: str = ""

    @property
    def breaking(self) -> bool:
        return any(change.breaking for change in self.changes)

    @property
    def status(self) -> str:
        if not self.deployed:
            return "NOT DEPLOYED"
        if self.breaking:
            return "BREAKING"
        return "COMPATIBLE" if self.changes else "OK"

    def lines(self) -> list[str]:
        """One line when nothing changed; otherwise one line per change, each with its own verdict."""
        if not self.changes:
            suffix = f": {self.note}" if self.note else ""
            return [f"{self.status:<12}  {self.dataset}{suffix}"]
        return [
            f"{'BREAKING' if change.breaking else 'COMPATIBLE':<12}  {change.describe()}" for change in self.changes
        ]


@dataclasses.dataclass(frozen=True)
class Section:
    """A titled group of dataset reports, printed together, with what to do if any of them breaks."""

    title: str
    reports: list[DatasetReport] = dataclasses.field(default_factory=list)
    advice: str = ""
    unchecked: list[str] = dataclasses.field(default_factory=list)

    def lines(self) -> list[str]:
        body = [f"  {line}" for report in self.reports for line in report.lines()]
        body += [f"  {'NO CONTRACT':<12}  {line}" for line in self.unchecked]
        body = body or ["  (nothing to check)"]
        if self.advice and any(report.breaking for report in self.reports):
            body.append(f"  -> {self.advice}")
        return [self.title, *body]


def compare(dataset: str, deployed: StructType, proposed: StructType) -> list[Change]:
    """Every difference between the deployed schema and the proposed contract, each classified."""
    changes = list(_compare_fields(dataset, "", deployed, proposed))
    before_keys, after_keys = _partition_keys(deployed), _partition_keys(proposed)
    if before_keys != after_keys:
        changes.append(
            Change(dataset, "", PARTITION_KEYS_CHANGED, ", ".join(before_keys), ", ".join(after_keys), breaking=True)
        )
    return changes


def _partition_keys(schema: StructType) -> list[str]:
    return [column.name.lower() for column in schema.fields if column.metadata.get("partition_key")]


def _compare_fields(dataset: str, prefix: str, deployed: StructType, proposed: StructType) -> Iterator[Change]:
    # Matched ignoring case: the Glue Catalog keeps names lower-case, and Spark and Athena resolve them that way.
    before = {column.name.lower(): column for column in deployed.fields}
    after = {column.name.lower(): column for column in proposed.fields}
    for name, old in before.items():
        if name not in after:
            yield Change(dataset, prefix + old.name, REMOVED, old.dataType.simpleString(), None, breaking=True)
    for name, new in after.items():
        path = prefix + new.name
        if name not in before:
            kind = ADDED_NULLABLE if new.nullable else ADDED_REQUIRED
            yield Change(dataset, path, kind, None, new.dataType.simpleString(), breaking=not new.nullable)
            continue
        old = before[name]
        yield from _compare_types(dataset, path, old.dataType, new.dataType)
        yield from _compare_nullability(dataset, path, old.nullable, new.nullable)
        yield from _compare_comments(dataset, path, old, new)
        yield from _compare_rules(dataset, path, old, new)


def _compare_types(dataset: str, path: str, before: DataType, after: DataType) -> Iterator[Change]:
    if isinstance(before, StructType) and isinstance(after, StructType):
        yield from _compare_fields(dataset, path + ".", before, after)
    elif isinstance(before, ArrayType) and isinstance(after, ArrayType):
        element = path + ".element"
        yield from _compare_types(dataset, element, before.elementType, after.elementType)
        yield from _compare_nullability(dataset, element, before.containsNull, after.containsNull)
    elif isinstance(before, MapType) and isinstance(after, MapType):
        yield from _compare_types(dataset, path + ".key", before.keyType, after.keyType)
        yield from _compare_types(dataset, path + ".value", before.valueType, after.valueType)
        yield from _compare_nullability(dataset, path + ".value", before.valueContainsNull, after.valueContainsNull)
    elif before.simpleString() != after.simpleString():
        yield Change(dataset, path, TYPE_CHANGED, before.simpleString(), after.simpleString(), breaking=True)


def _compare_nullability(dataset: str, path: str, before: bool, after: bool) -> Iterator[Change]:
    if before and not after:
        yield Change(dataset, path, BECAME_REQUIRED, "nullable", "required", breaking=True)
    elif after and not before:
        yield Change(dataset, path, BECAME_NULLABLE, "required", "nullable", breaking=False)


def _compare_comments(dataset: str, path: str, before: StructField, after: StructField) -> Iterator[Change]:
    old, new = before.metadata.get("comment"), after.metadata.get("comment")
    if (old or None) != (new or None):
        yield Change(dataset, path, COMMENT_CHANGED, old, new, breaking=False)


def _compare_rules(dataset: str, path: str, before: StructField, after: StructField) -> Iterator[Change]:
    old, new = before.metadata.get(RULES_KEY) or {}, after.metadata.get(RULES_KEY) or {}
    for name in RULE_NAMES:
        old_rule, new_rule = old.get(name), new.get(name)
        if same_rule(name, old_rule, new_rule):
            continue
        tightened = tightens(name, old_rule, new_rule)
        yield Change(
            dataset,
            path,
            RULE_TIGHTENED if tightened else RULE_LOOSENED,
            None if old_rule is None else describe(name, old_rule),
            None if new_rule is None else describe(name, new_rule),
            breaking=tightened,
        )


def rejected(dataset: str, violation: Violation) -> Change:
    """A contract violation found in data that already exists, as a breaking change."""
    rows = "" if violation.rows is None else f" ({violation.rows} row{'' if violation.rows == 1 else 's'})"
    return Change(dataset, violation.column or "", violation.kind, None, violation.detail + rows, breaking=True)
