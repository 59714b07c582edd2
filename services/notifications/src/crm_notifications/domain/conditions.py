"""Structured conditions on event data: a field path, an operator, a value. No eval.

Comparisons (``gt``/``gte``/``lt``/``lte``) are numeric when both sides are numbers or
decimal strings (amounts travel as ``"51750.00"``), otherwise between two strings
(ISO dates and times compare correctly as strings). A missing field or a type
mismatch makes a condition false, never an error.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from crm_notifications.domain.models import Condition

_MISSING = object()

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (list items by index), or ``_MISSING``."""
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _ordered(op: str, actual: Any, expected: Any) -> bool:
    compare = _ORDER[op]
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return compare(left, right)
    if isinstance(actual, str) and isinstance(expected, str):
        return compare(actual, expected)
    return False


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(actual, str) and isinstance(expected, str):
        return actual == expected
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:  # 51750 eq "51750.00"
        return left == right
    return bool(actual == expected)


def holds(condition: Condition, data: Mapping[str, Any]) -> bool:
    actual = lookup(data, condition.path)
    op, expected = condition.op, condition.value
    if op == "exists":
        present = actual is not _MISSING and actual is not None
        return present if expected in (True, None) else not present
    if actual is _MISSING:
        return op == "ne"
    if op == "eq":
        return _equal(actual, expected)
    if op == "ne":
        return not _equal(actual, expected)
    if op == "in":
        return any(_equal(actual, item) for item in expected)
    if op == "contains":
        if isinstance(actual, list):
            return any(_equal(item, expected) for item in actual)
        if isinstance(actual, str) and isinstance(expected, str):
            return expected.lower() in actual.lower()
        return False
    return _ordered(op, actual, expected)


def all_hold(conditions: Iterable[Condition], data: Mapping[str, Any]) -> bool:
    return all(holds(c, data) for c in conditions)
