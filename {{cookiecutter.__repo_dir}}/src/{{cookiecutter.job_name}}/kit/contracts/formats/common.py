"""What every format shares: the error type, the metadata keys, and field-path helpers."""

from __future__ import annotations

from typing import Any

from pyspark.sql.types import (
    DataType,
    StructField,
)

from ..rules import RULES_KEY, RuleError, check_rules

# The field metadata every format carries (see the package docstring).
COMMENT = "comment"
PARTITION_KEY = "partition_key"
RULES = RULES_KEY  # a column's value rules (``kit/contracts/rules.py``)
MAX_DECIMAL_PRECISION = 38  # Spark's DecimalType limit
# CharType and VarcharType only exist from Spark 3.4, so they are recognised by name, not imported.
CHAR_TYPE_NAMES = frozenset({"CharType", "VarcharType"})


class SchemaConversionError(ValueError):
    """A type or document that has no faithful mapping; the message names the field."""


def field_path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def conversion_error(path: str, message: str) -> SchemaConversionError:
    return SchemaConversionError(f"field '{path}': {message}" if path else message)


def field_metadata(path: str, comment: Any, partition_key: Any) -> dict[str, Any]:
    """Field metadata from a format's comment and partition flag, checking both are what they claim."""
    if comment is not None and not isinstance(comment, str):
        raise conversion_error(path, f"a comment must be a string, got {comment!r}")
    if not isinstance(partition_key, bool):
        raise conversion_error(path, f"partition_key must be true or false, got {partition_key!r}")
    metadata: dict[str, Any] = {}
    if comment:
        metadata[COMMENT] = comment
    if partition_key:
        metadata[PARTITION_KEY] = True
    return metadata


def rule_metadata(path: str, rules: Any, data_type: DataType, nested: bool = False) -> dict[str, Any]:
    """A field's rules, checked against its type, as field metadata; ``{}`` when it has none."""
    if rules is None:
        return {}
    if nested:
        raise conversion_error(path, f"'{RULES}' apply to top-level columns; a nested field cannot carry them")
    try:
        checked = check_rules(rules, data_type)
    except RuleError as exc:
        raise conversion_error(path, str(exc)) from None
    return {RULES: checked} if checked else {}


def portable_metadata(
    struct_field: StructField, path: str, target: str, nested: bool = False
) -> tuple[str | None, bool, dict[str, Any] | None]:
    """A field's comment, partition flag and rules; any other metadata would be lost in ``target``, so it is refused."""
    extra = sorted(set(struct_field.metadata) - {COMMENT, PARTITION_KEY, RULES})
    if extra:
        raise conversion_error(
            path,
            f"metadata {extra} has no place in {target}; only '{COMMENT}', '{PARTITION_KEY}' and '{RULES}' are carried",
        )
    metadata = field_metadata(path, struct_field.metadata.get(COMMENT), struct_field.metadata.get(PARTITION_KEY, False))
    rules = rule_metadata(path, struct_field.metadata.get(RULES), struct_field.dataType, nested)
    return metadata.get(COMMENT), PARTITION_KEY in metadata, rules.get(RULES)


def check_unique_names(names: list[str], path: str, case_sensitive: bool) -> None:
    seen: set[str] = set()
    for name in names:
        key = name if case_sensitive else name.lower()
        if key in seen:
            raise conversion_error(
                field_path(path, name), "the name appears twice" + ("" if case_sensitive else " (ignoring case)")
            )
        seen.add(key)
