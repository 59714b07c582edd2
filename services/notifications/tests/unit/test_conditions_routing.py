"""Conditions on event data, rule matching and recipient resolution."""

from __future__ import annotations

from typing import Any

import pytest
from crm_notifications.domain.conditions import holds
from crm_notifications.domain.defaults import DEFAULT_RULES
from crm_notifications.domain.models import ChatIdentity, Condition, Endpoint, Recipient, Rule, User
from crm_notifications.domain.routing import Directory, matching_rules, targets
from crm_shared.events.samples import AGENT, REP, sample_event
from pydantic import ValidationError

DATA: dict[str, Any] = {
    "snapshot": {
        "priority": "urgent",
        "amount": "51750.00",
        "tags": ["vip", "fleet"],
        "owner_id": None,
        "group": "billing",
        "subject": "Invoice @ March",
    },
    "idle_days": 7,
    "items": [{"n": 1}],
}


@pytest.mark.parametrize(
    ("path", "op", "value", "expected"),
    [
        ("snapshot.priority", "eq", "urgent", True),
        ("snapshot.priority", "ne", "urgent", False),
        ("snapshot.priority", "in", ["high", "urgent"], True),
        ("snapshot.amount", "gt", 50000, True),
        ("snapshot.amount", "gte", "51750", True),
        ("snapshot.amount", "lt", "51750.00", False),
        ("snapshot.amount", "eq", 51750, True),
        ("idle_days", "lte", 7, True),
        ("snapshot.tags", "contains", "vip", True),
        ("snapshot.subject", "contains", "invoice", True),
        ("snapshot.owner_id", "exists", True, False),
        ("snapshot.group", "exists", True, True),
        ("snapshot.missing", "exists", False, True),
        ("snapshot.missing", "eq", "x", False),
        ("snapshot.missing", "ne", "x", True),
        ("items.0.n", "eq", 1, True),
        ("snapshot.priority", "gt", 3, False),  # type mismatch is false, not an error
    ],
)
def test_condition_operators(path: str, op: str, value: Any, expected: bool) -> None:
    assert holds(Condition(path=path, op=op, value=value), DATA) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        {"path": "a..b", "op": "eq"},
        {"path": "snapshot[0]", "op": "eq"},
        {"path": "x", "op": "in", "value": "not-a-list"},
        {"path": "x", "op": "eval", "value": "1"},
    ],
)
def test_conditions_are_validated(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Condition.model_validate(bad)


def test_paths_only_walk_data_never_attributes() -> None:
    assert not holds(Condition(path="__class__.__name__", op="exists"), DATA)
    assert not holds(Condition(path="snapshot.keys", op="exists"), DATA)


def _directory(**endpoints: Endpoint) -> Directory:
    users = {
        REP: User(
            id=REP,
            name="Marco",
            email="marco@example.com",
            roles=["sales"],
            teams=["emea-mid"],
            chat={"slack": ChatIdentity(endpoint_id="marco-dm", handle="U024BE7LH")},
        ),
        AGENT: User(id=AGENT, name="Aisha", email="aisha@example.com", roles=["service"], teams=["billing"]),
        "boss": User(id="boss", name="Bea", email="bea@example.com", roles=["service", "manager"], teams=["billing"]),
    }
    eps = {
        "sales-chat": Endpoint(id="sales-chat", name="sales", kind="slack", url="https://hooks.slack.com/x"),
        "marco-dm": Endpoint(id="marco-dm", name="dm", kind="slack", url="https://hooks.slack.com/y"),
        "service-chat": Endpoint(id="service-chat", name="svc", kind="teams", url="https://x.webhook.office.com/z"),
        **endpoints,
    }
    return Directory(rules=DEFAULT_RULES, users=users, endpoints=eps)


def _rule(rule_id: str) -> Rule:
    return next(r for r in DEFAULT_RULES if r.id == rule_id)


def test_default_rules_route_the_sample_events() -> None:
    d = _directory()
    won = sample_event("crm.deal.won")
    assert [r.id for r in matching_rules(d.rules, won)] == ["deal-won-to-sales-channel"]
    assert [(t.recipient, t.channel) for t in targets(_rule("deal-won-to-sales-channel"), won, d)] == [
        ("sales-chat", "slack")
    ]
    moved = sample_event("crm.deal.stage_changed")
    (t,) = targets(_rule("deal-stage-changed-to-owner"), moved, d)  # channel_mode first: chat before e-mail
    assert (t.recipient, t.channel, t.endpoint_id, t.mention) == (REP, "slack", "marco-dm", "U024BE7LH")
    due = sample_event("crm.deal.follow_up_due")
    assert [(t.channel, t.address) for t in targets(_rule("follow-up-due-to-owner-email"), due, d)] == [
        ("email", "marco@example.com")
    ]
    breach = sample_event("crm.ticket.sla_breached")
    got = [(t.recipient, t.channel) for t in targets(_rule("sla-breach-to-manager-and-service-chat"), breach, d)]
    assert got == [("boss", "email"), ("service-chat", "teams")]
    warning = sample_event("crm.ticket.sla_warning")
    assert [(t.recipient, t.channel) for t in targets(_rule("sla-warning-to-assignee"), warning, d)] == [
        (AGENT, "email")
    ]


def test_urgent_condition_and_globs() -> None:
    d = _directory()
    opened = sample_event("crm.ticket.opened")  # priority normal in the sample
    assert matching_rules(d.rules, opened) == []
    urgent = opened.model_copy(
        update={"data": {**opened.data, "snapshot": {**opened.data["snapshot"], "priority": "urgent"}}}
    )
    assert [r.id for r in matching_rules(d.rules, urgent)] == ["urgent-ticket-to-service-chat"]
    glob = Rule(
        id="all-tickets", name="t", event_type="crm.ticket.*", recipients=[Recipient(kind="role", value="service")]
    )
    assert matching_rules([glob], opened) == [glob]
    assert matching_rules([glob.model_copy(update={"enabled": False})], opened) == []


def test_roles_teams_addresses_dedupe_and_disabled_endpoints() -> None:
    d = _directory(off=Endpoint(id="off", name="off", kind="slack", url="https://hooks.slack.com/o", enabled=False))
    rule = Rule(
        id="r",
        name="r",
        event_type="crm.*",
        channels=["email", "slack"],
        recipients=[
            Recipient(kind="role", value="service"),
            Recipient(kind="team", value="billing"),
            Recipient(kind="address", value="Ops@Example.com"),
            Recipient(kind="endpoint", value="off"),
            Recipient(kind="user", value="nobody"),
        ],
    )
    got = [(t.recipient, t.channel) for t in targets(rule, sample_event("crm.ticket.opened"), d)]
    assert got == [(AGENT, "email"), ("boss", "email"), ("ops@example.com", "email")]


def test_recipient_validation() -> None:
    with pytest.raises(ValidationError):
        Recipient(kind="user")
    with pytest.raises(ValidationError):
        Recipient(kind="owner", value="x")
    with pytest.raises(ValidationError):
        Recipient(kind="address", value="not-an-email\r\nBcc: x@y.z")
