"""The assigner asks the directory's replica: a deactivated agent gets no new tickets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crm_service_desk.adapters.memory import InMemoryGroups, InMemoryTickets
from crm_service_desk.service.assignment import Assigner
from crm_shared.active_people import InMemoryPeople
from crm_shared.errors import ValidationFailed


def now() -> datetime:
    return datetime(2026, 12, 2, tzinfo=UTC)


async def assigner(inactive: set[str]) -> Assigner:
    groups = InMemoryGroups()
    await groups.commit("billing", expected_version=0, doc={"members": ["sara", "tom", "priya"]}, actor="t")
    return Assigner(
        groups=groups, tickets=InMemoryTickets(), strategy="round_robin", clock=now, people=InMemoryPeople(inactive)
    )


async def test_round_robin_skips_deactivated_agents() -> None:
    everyone = await assigner(set())
    assert [await everyone.pick("billing") for _ in range(3)] == ["sara", "tom", "priya"]
    two = await assigner({"tom"})
    assert {await two.pick("billing") for _ in range(4)} == {"sara", "priya"}
    nobody = await assigner({"sara", "tom", "priya"})
    with pytest.raises(ValidationFailed):
        await nobody.pick("billing")
