"""Value rules: what a column's values must be beyond their type, declared per column in the contract.

A field carries its rules in its metadata under ``rules``: an object with any of

- ``min``, ``max``: inclusive bounds. Numbers for integer, floating-point and decimal columns (an integer
  column takes integers), ISO dates (``"2024-01-31"``) for date columns. Timestamps take no bounds.
- ``not_blank``: ``true``. A string column's value has at least one character that is not whitespace
  (Unicode whitespace: ``""``, ``"   "`` and a tab break it; ``" a "`` passes).
- ``allowed``: the values a string or integer column may hold, compared exactly (case and spaces count).
- ``pattern``: a regular expression the whole value of a string column must match (not just a part of it).

A null passes every rule: whether a column may be null is its nullability's say. ``check_rules`` checks
a column's rules when its contract is parsed; ``rule_problems`` gives the conditions the compliance
check counts, and a row that breaks a rule is a ``rule_violation``.

Patterns run in Spark, that is in Java's ``java.util.regex``, but are checked here with Python's ``re``.
Only syntax both read the same way is accepted (``PATTERN_SYNTAX``): no named groups, lookarounds, inline
flags, possessive quantifiers, nested classes or escapes other than those listed. ``\\d``, ``\\w`` and
``\\s`` are ASCII-only, as Java has them by default; ``.`` matches anything but ``\\n`` (Java runs the
pattern with UNIX_LINES, as Python reads it).
"""

from __future__ import annotations

import json
import math
import re
import string
import warnings
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    StructType,
)

RULES_KEY = "rules"  # the field metadata key (Avro field attribute, Glue column parameter) holding the rules
RULE_VIOLATION = "rule_violation"  # the compliance check's kind for a row that breaks a rule
RULE_NAMES = ("min", "max", "not_blank", "allowed", "pattern")

INTEGRAL = (ByteType, ShortType, IntegerType, LongType)
BOUNDED = (*INTEGRAL, FloatType, DoubleType, DecimalType, DateType)
# Rule -> the column types it fits, and how to say so.
FITS: dict[str, tuple[tuple[type[DataType], ...], str]] = {
    "min": (BOUNDED, "numeric, decimal and date columns"),
    "max": (BOUNDED, "numeric, decimal and date columns"),
    "not_blank": ((StringType,), "string columns"),
    "allowed": ((StringType, *INTEGRAL), "string and integer columns"),
    "pattern": ((StringType,), "string columns"),
}
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Java's (?U)\S: a character that is not Unicode whitespace.
NOT_WHITESPACE = r"(?U)\S"

PATTERN_SYNTAX = (
    "characters; . ^ $ |; groups (...) and (?:...); classes [...] and [^...] with ranges; \\d \\D \\w \\W \\s \\S "
    "(ASCII); \\t \\n \\r \\f; a backslash before punctuation or a space; the quantifiers * + ? {n} {n,} {n,m}, "
    "each optionally followed by ? (lazy)"
)
_ESCAPES = frozenset("dDwWsStnrf") | frozenset(string.punctuation) | {" "}
_QUANTIFIER = re.compile(r"[*+?]|\{[0-9]+(,[0-9]*)?\}")


class RuleError(ValueError):
    """A rule that is unknown, malformed or does not fit its column's type; the message names the rule."""


def check_rules(rules: Any, data_type: DataType) -> dict[str, Any]:
    """A column's ``rules``, checked against its type and each other, in the order of ``RULE_NAMES``."""
    if not isinstance(rules, dict):
        raise RuleError('rules are an object such as {"min": 0}, got ' + _shown(rules))
    unknown = sorted(set(rules) - set(RULE_NAMES))
    if unknown:
        raise RuleError(f"unknown rule '{unknown[0]}'; the rules are {', '.join(RULE_NAMES)}")
    checked: dict[str, Any] = {}
    for name in RULE_NAMES:
        if name not in rules:
            continue
        types, fits = FITS[name]
        if not isinstance(data_type, types):
            raise RuleError(f"rule '{name}' does not fit {_column(data_type)}; it is for {fits}")
        checked[name] = _CHECKS[name](name, rules[name], data_type)
    if "min" in checked and "max" in checked and checked["min"] > checked["max"]:
        raise RuleError(f"rule 'min' {checked['min']} is greater than rule 'max' {checked['max']}: no value passes")
    return checked


def _bound(name: str, value: Any, data_type: DataType) -> Any:
    if isinstance(data_type, DateType):
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise RuleError(
                f"rule '{name}' on a date column is an ISO date such as \"2024-01-31\", got {_shown(value)}"
            )
        try:
            date.fromisoformat(value)
        except ValueError:
            raise RuleError(f"rule '{name}' {_shown(value)} is not a calendar date") from None
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"rule '{name}' is a number, got {_shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RuleError(f"rule '{name}' is a finite number, got {value}")
    if isinstance(data_type, INTEGRAL) and not isinstance(value, int):
        raise RuleError(f"rule '{name}' on an integer column is an integer, got {_shown(value)}")
    if isinstance(data_type, DecimalType) and abs(Decimal(str(value))) >= 10 ** (data_type.precision - data_type.scale):
        raise RuleError(f"rule '{name}' {_shown(value)} is beyond what {_column(data_type)} holds")
    return value


def _not_blank(name: str, value: Any, data_type: DataType) -> bool:
    if value is not True:
        raise RuleError(f"rule '{name}' is true (leave it out to allow blank values), got {_shown(value)}")
    return True


def _allowed(name: str, value: Any, data_type: DataType) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise RuleError(f"rule '{name}' is a non-empty list of values, got {_shown(value)}")
    strings = isinstance(data_type, StringType)
    for item in value:
        if not (isinstance(item, str) if strings else _is_int(item)):
            what = "strings" if strings else "integers"
            raise RuleError(f"rule '{name}' on {_column(data_type)} lists {what}, got {_shown(item)}")
    duplicates = sorted({_shown(item) for item in value if value.count(item) > 1})
    if duplicates:
        raise RuleError(f"rule '{name}' lists {', '.join(duplicates)} more than once")
    return list(value)


def _pattern(name: str, value: Any, data_type: DataType) -> str:
    if not isinstance(value, str) or not value:
        raise RuleError(f"rule '{name}' is a non-empty regular expression, got {_shown(value)}")
    _check_portable(value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Python warns of syntax it will read differently (nested sets)
            re.compile(value, re.ASCII)
    except (re.error, Warning) as exc:
        raise RuleError(f"rule '{name}' '{value}' is not a valid regular expression: {exc}") from None
    return value


_CHECKS = {"min": _bound, "max": _bound, "not_blank": _not_blank, "allowed": _allowed, "pattern": _pattern}


def _shown(value: Any) -> str:
    """A value as the contract file writes it (JSON)."""
    return json.dumps(value, ensure_ascii=False, default=repr)


def _column(data_type: DataType) -> str:
    name = data_type.simpleString()
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name} column"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_portable(pattern: str) -> None:
    """Refuse syntax outside ``PATTERN_SYNTAX``: what Python and Java read differently, or one of them not at all."""
    position, repeatable = 0, False
    while position < len(pattern):
        char = pattern[position]
        quantifier = _QUANTIFIER.match(pattern, position)
        if quantifier:
            if not repeatable:
                _unportable(pattern, position, "a quantifier needs something to repeat, and one only (no a*+ or a**)")
            position = quantifier.end() + (1 if pattern.startswith("?", quantifier.end()) else 0)
            repeatable = False
            continue
        if char == "{":
            _unportable(
                pattern, position, "a '{' that is no quantifier {n}, {n,} or {n,m} (Java refuses it; write \\{)"
            )
        if char == "\\":
            position = _escape(pattern, position)
        elif char == "[":
            position = _character_class(pattern, position)
        elif char == "(":
            if pattern.startswith("(?", position) and not pattern.startswith("(?:", position):
                _unportable(pattern, position, "'(?': named groups, lookarounds and inline flags differ (only (?:...))")
            position += 3 if pattern.startswith("(?:", position) else 1
        else:
            position += 1
        repeatable = char not in "(|^$"


def _escape(pattern: str, position: int) -> int:
    if position + 1 >= len(pattern):
        _unportable(pattern, position, "a backslash with nothing after it")
    if pattern[position + 1] not in _ESCAPES:
        _unportable(
            pattern, position, f"the escape \\{pattern[position + 1]}, which the two read differently or not at all"
        )
    return position + 2


def _character_class(pattern: str, start: int) -> int:
    position = start + 1
    position += 1 if pattern.startswith("^", position) else 0
    position += 1 if pattern.startswith("]", position) else 0  # a ']' first is a character, in both
    while position < len(pattern):
        char = pattern[position]
        if char == "]":
            return position + 1
        if char == "[" or pattern.startswith("&&", position):
            _unportable(
                pattern, position, f"'{char}' inside a class (Java: a nested class or an intersection; write \\{char})"
            )
        position = _escape(pattern, position) if char == "\\" else position + 1
    raise RuleError(f"rule 'pattern' '{pattern}' is not a valid regular expression: the class at {start} is not closed")


def _unportable(pattern: str, position: int, what: str) -> NoReturn:
    raise RuleError(
        f"rule 'pattern' '{pattern}' at {position}: {what}. A pattern keeps to what Python and Java (Spark) "
        f"read alike: {PATTERN_SYNTAX}"
    )


def describe(name: str, value: Any) -> str:
    """One rule as the reports write it: ``min 0``, ``not_blank``, ``allowed ["a", "b"]``, ``pattern S[0-9]+``."""
    if name == "not_blank":
        return name
    if name == "allowed":
        return f"{name} {json.dumps(value, ensure_ascii=False)}"
    return f"{name} {value}"


def same_rule(name: str, before: Any, after: Any) -> bool:
    """Whether rule ``name`` is unchanged from ``before`` to ``after`` (None: no rule); allowed values in any order."""
    if name == "allowed" and before is not None and after is not None:
        return set(before) == set(after)
    return bool(before == after)


def tightens(name: str, before: Any, after: Any) -> bool:
    """Whether changing rule ``name`` from ``before`` to ``after`` (None: no rule) can reject a value it passed."""
    if after is None:
        return False
    if before is None:
        return True
    if name in ("min", "max"):
        if isinstance(before, str) != isinstance(after, str):
            return True  # a date bound became a number or the reverse: the column's type changed too
        return bool(after > before) if name == "min" else bool(after < before)
    if name == "allowed":
        return not set(before) <= set(after)
    return bool(before != after)  # a different pattern may reject anything; not_blank is only ever true


def java_full_match(pattern: str) -> str:
    """``pattern`` as Spark's ``rlike`` (Java, which searches) must get it to match whole values, as Python reads it."""
    return "(?d)\\A(?:" + pattern + ")\\z"


def rule_problems(schema: StructType, columns: Collection[str]) -> list[tuple[str, str, Column]]:
    """(reason, column, condition) of every rule of ``schema``'s fields among ``columns``; the condition holds
    when the row breaks the rule, and is null (not counted) when the value is null."""
    problems: list[tuple[str, str, Column]] = []
    for field in schema.fields:
        rules = field.metadata.get(RULES_KEY)
        if not rules or field.name not in columns:
            continue
        value = F.col(field.name)
        for name, rule in rules.items():
            problems.append((_reason(field.name, name, rule), field.name, _breach(value, name, rule, field.dataType)))
    return problems


def _reason(column: str, name: str, rule: Any) -> str:
    if name == "min":
        return f"{column} below min {rule}"
    if name == "max":
        return f"{column} above max {rule}"
    if name == "not_blank":
        return f"{column} breaks not_blank: empty or only whitespace"
    if name == "allowed":
        return f"{column} not one of {describe(name, rule)}"
    return f"{column} does not match {describe(name, rule)}"


def _breach(value: Column, name: str, rule: Any, data_type: DataType) -> Column:
    if name in ("min", "max"):
        bound = F.lit(_literal(rule, data_type))
        return value < bound if name == "min" else value > bound
    if name == "not_blank":
        return ~value.rlike(NOT_WHITESPACE)
    if name == "allowed":
        return ~value.isin(rule)
    return ~value.rlike(java_full_match(rule))


def _literal(bound: Any, data_type: DataType) -> Any:
    """A bound as the value Spark compares the column with: exact for decimals, a date for dates."""
    if isinstance(data_type, DateType):
        return date.fromisoformat(bound)
    if isinstance(data_type, DecimalType):
        return Decimal(str(bound))
    return bound
