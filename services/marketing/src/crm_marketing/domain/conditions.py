"""A segment's conditions: rules on one profile field, combined in nested all/any groups.

Pure: ``matches(group, profile)`` decides one customer from their profile (the replica
of what conditions can ask, :mod:`crm_marketing.domain.profile`). Unknown fields are
refused when a segment is saved, so a typo never silently matches nobody.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Op = Literal["eq", "ne", "in", "not_in", "contains", "not_contains", "gt", "gte", "lt", "lte", "exists", "not_exists"]

ATTRIBUTES = frozenset(
    {"kind", "lifecycle_stage", "region", "industry", "tier", "segment", "country", "tags", "has_email", "archived"}
    | {"source", "status", "has_company"}  # a lead's (lead scoring)
)
FACTS = frozenset(
    {"deals_won", "deals_lost", "deals_open", "open_tickets", "tickets", "sla_breaches", "score", "form_submissions"}
)
CONSENT_CHANNELS = frozenset({"email", "sms", "phone", "marketing"})
_CUSTOM = re.compile(r"^custom\.[A-Za-z0-9_\-]{1,64}$")
MAX_DEPTH = 5


def known_field(name: str) -> bool:
    if name in ATTRIBUTES or name in FACTS or _CUSTOM.match(name):
        return True
    return name.startswith("consent.") and name.removeprefix("consent.") in CONSENT_CHANNELS


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(
        max_length=80, description="`lifecycle_stage`, `tags`, `custom.<name>`, `consent.email`, `deals_won`, ..."
    )
    op: Op
    value: str | int | float | bool | list[str | int | float | bool] | None = None

    @field_validator("field")
    @classmethod
    def _known(cls, name: str) -> str:
        if not known_field(name):
            raise ValueError(f"unknown field {name!r}")
        return name


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    match: Literal["all", "any"] = "all"
    negate: bool = False
    conditions: list[Rule | Group] = Field(min_length=1, max_length=50)

    @field_validator("conditions")
    @classmethod
    def _shallow(cls, items: list[Rule | Group]) -> list[Rule | Group]:
        if depth(items) > MAX_DEPTH:
            raise ValueError(f"groups nest at most {MAX_DEPTH} deep")
        return items


def depth(items: list[Rule | Group]) -> int:
    return 1 + max((depth(i.conditions) for i in items if isinstance(i, Group)), default=0)


def lookup(profile: dict[str, Any], name: str) -> Any:
    if name.startswith("custom."):
        return (profile.get("custom") or {}).get(name.removeprefix("custom."))
    if name.startswith("consent."):
        return (profile.get("consent") or {}).get(name.removeprefix("consent."))
    return profile.get(name)


def _compare(actual: Any, op: Op, expected: Any) -> bool:
    if op == "exists":
        return actual is not None and actual != []
    if op == "not_exists":
        return actual is None or actual == []
    if op in ("contains", "not_contains"):
        found = expected in actual if isinstance(actual, list | str) and isinstance(expected, str) else False
        return found if op == "contains" else not found
    if op in ("in", "not_in"):
        inside = isinstance(expected, list) and actual in expected
        return inside if op == "in" else not inside
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    # Ordering only between numbers (bool excluded): anything else does not match.
    if not _number(actual) or not _number(expected):
        return False
    if op == "gt":
        return bool(actual > expected)
    if op == "gte":
        return bool(actual >= expected)
    if op == "lt":
        return bool(actual < expected)
    return bool(actual <= expected)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def matches(group: Group, profile: dict[str, Any]) -> bool:
    results = (
        matches(c, profile) if isinstance(c, Group) else _compare(lookup(profile, c.field), c.op, c.value)
        for c in group.conditions
    )
    hit = all(results) if group.match == "all" else any(results)
    return not hit if group.negate else hit


def fields_of(group: Group) -> set[str]:
    """The profile fields a group reads."""
    out: set[str] = set()
    for c in group.conditions:
        out |= fields_of(c) if isinstance(c, Group) else {c.field}
    return out
