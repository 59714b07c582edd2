"""Segment conditions: every operator, nesting, negation, and what is refused on save."""

from __future__ import annotations

from typing import Any

import pytest
from crm_marketing.domain.conditions import Group, fields_of, matches
from pydantic import ValidationError

PROFILE: dict[str, Any] = {
    "lifecycle_stage": "customer",
    "tags": ["vip", "eu"],
    "custom": {"plan": "pro", "seats": 12},
    "consent": {"email": True},
    "deals_won": 2,
    "open_tickets": 0,
    "region": None,
}


def group(data: dict[str, Any]) -> Group:
    return Group.model_validate(data)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"field": "lifecycle_stage", "op": "eq", "value": "customer"}, True),
        ({"field": "lifecycle_stage", "op": "ne", "value": "customer"}, False),
        ({"field": "lifecycle_stage", "op": "in", "value": ["lead", "customer"]}, True),
        ({"field": "lifecycle_stage", "op": "not_in", "value": ["lead"]}, True),
        ({"field": "tags", "op": "contains", "value": "vip"}, True),
        ({"field": "tags", "op": "not_contains", "value": "vip"}, False),
        ({"field": "custom.plan", "op": "eq", "value": "pro"}, True),
        ({"field": "custom.seats", "op": "gte", "value": 12}, True),
        ({"field": "custom.seats", "op": "gt", "value": 12}, False),
        ({"field": "consent.email", "op": "eq", "value": True}, True),
        ({"field": "deals_won", "op": "gt", "value": 1}, True),
        ({"field": "open_tickets", "op": "lt", "value": 1}, True),
        ({"field": "region", "op": "exists"}, False),
        ({"field": "region", "op": "not_exists"}, True),
        ({"field": "custom.plan", "op": "gt", "value": 1}, False),  # no ordering between text and numbers
    ],
)
def test_each_operator(rule: dict[str, Any], expected: bool) -> None:
    assert matches(group({"conditions": [rule]}), PROFILE) is expected


def test_nested_any_inside_all_and_negation() -> None:
    g = group(
        {
            "match": "all",
            "conditions": [
                {"field": "consent.email", "op": "eq", "value": True},
                {
                    "match": "any",
                    "conditions": [
                        {"field": "deals_won", "op": "gte", "value": 5},
                        {"field": "tags", "op": "contains", "value": "vip"},
                    ],
                },
                {"negate": True, "conditions": [{"field": "open_tickets", "op": "gt", "value": 0}]},
            ],
        }
    )
    assert matches(g, PROFILE)
    assert not matches(g, {**PROFILE, "tags": []})
    assert not matches(g, {**PROFILE, "open_tickets": 1})
    assert fields_of(g) == {"consent.email", "deals_won", "tags", "open_tickets"}


@pytest.mark.parametrize(
    "bad",
    [
        {"conditions": []},
        {"conditions": [{"field": "salary", "op": "eq", "value": 1}]},
        {"conditions": [{"field": "consent.fax", "op": "eq", "value": True}]},
        {"conditions": [{"field": "tags", "op": "like", "value": "x"}]},
        {"match": "some", "conditions": [{"field": "tags", "op": "exists"}]},
    ],
)
def test_bad_conditions_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        group(bad)


def test_nesting_is_bounded() -> None:
    inner: dict[str, Any] = {"conditions": [{"field": "tags", "op": "exists"}]}
    for _ in range(6):
        inner = {"conditions": [inner]}
    with pytest.raises(ValidationError):
        group(inner)
