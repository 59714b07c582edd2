"""Lead use cases over the in-memory ports: capture with the rules (round-robin turns),
edits, disqualification, the CSV import's repeat."""

from __future__ import annotations

from typing import Any

import pytest
from crm_sales.bootstrap import Container
from crm_sales.domain.activity import ActivityInput
from crm_sales.domain.assignment import AssignmentRule, RuleMatch, RuleSet
from crm_sales.domain.lead import DisqualifyRequest, LeadChanges, LeadInput
from crm_shared.errors import InvalidTransition

from .conftest import ADMIN, ALICE


async def test_round_robin_takes_turns_and_assigned_leads_get_both_events(sales: Container, publisher: Any) -> None:
    rules = RuleSet(
        rules=[AssignmentRule(id="events", match=RuleMatch(sources=["event"]), team="emea", members=["alice", "ben"])]
    )
    await sales.assignment.replace(ADMIN, rules, 0)
    owners = []
    for n in range(3):
        lead, _ = await sales.leads.capture(ADMIN, LeadInput(last_name=f"L{n}", source="event"))
        owners.append(lead.owner_id)
        assert publisher.types(lead.id) == ["crm.lead.created", "crm.lead.assigned"]
    assert owners == ["alice", "ben", "alice"]


async def test_edits_are_versions_and_a_disqualified_lead_is_final(sales: Container, publisher: Any) -> None:
    lead, _ = await sales.leads.capture(ALICE, LeadInput(last_name="Kim", owner_id="alice", team="emea"))
    edited = await sales.leads.update(ALICE, lead.id, LeadChanges(score=80), lead.version)
    assert (edited.score, edited.version) == (80, 2)
    assert [r["version"] for r in await sales.ports.leads.history(lead.id)] == [2, 1]
    assert await sales.leads.update(ALICE, lead.id, LeadChanges(score=80), 2) == edited  # no change, no version
    gone = await sales.leads.disqualify(ALICE, lead.id, DisqualifyRequest(reason="spam"), 2)
    assert publisher.types(lead.id) == [
        "crm.lead.created",
        "crm.lead.assigned",
        "crm.lead.updated",
        "crm.lead.disqualified",
    ]
    updated = next(e for _, e in publisher.sent if e.type == "crm.lead.updated")
    assert (updated.data["changed_fields"], updated.data["previous"]) == (["score"], {"score": 0})
    with pytest.raises(InvalidTransition):
        await sales.leads.update(ALICE, lead.id, LeadChanges(score=1), gone.version)


async def test_an_import_sent_twice_reports_the_rows_already_imported(sales: Container) -> None:
    csv = b"last_name,email\nKim,kim@example.org\nLee,lee@example.org\n"
    first = await sales.lead_import.run(ALICE, csv, idempotency_key="file-1")
    again = await sales.lead_import.run(ALICE, csv, idempotency_key="file-1")
    assert (first["imported"], again["imported"], again["already_imported"]) == (2, 0, 2)
    assert again["existing"] == first["created"]  # the rows, with their lead ids


async def test_an_activity_and_an_erasure_describe_the_lead_change(sales: Container, publisher: Any) -> None:
    lead, _ = await sales.leads.capture(
        ALICE, LeadInput(last_name="Kim", email="kim@example.org", owner_id="alice", team="emea")
    )
    await sales.activities.log(ALICE, ActivityInput(kind="call", subject="Hi", lead_id=lead.id))
    await sales.upkeep.erase("cust-9", ["kim@example.org"], causation_id="evt-9")
    updates = [e for _, e in publisher.sent if e.type == "crm.lead.updated"]
    assert [(e.data["changed_fields"], e.data["previous"]) for e in updates] == [
        (["status"], {"status": "assigned"}),
        (["last_name", "email"], {}),  # an erasure names what went, never the values
    ]
    assert updates[1].causationid == "evt-9"
    assert updates[1].data["snapshot"]["last_name"] is None
