"""On the real broker and store: sales' worker keeps the directory's replica, and the
assignment rules stop handing leads to a user the directory deactivated."""

from __future__ import annotations

from typing import Any

import pytest
from crm_sales.bootstrap import Container
from crm_sales.domain.assignment import AssignmentRule, RuleSet
from crm_shared.auth import Principal
from crm_shared.events import CloudEvent
from crm_shared.events.directory import UserCreated, UserDeactivated
from crm_shared.events.directory_samples import directory_events
from crm_shared.events.envelope import Actor
from crm_shared.events.sample_story import with_changes
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
ACTOR = Actor(id="root", department=None, kind="user")


def people() -> list[CloudEvent]:
    sample = next(e for e in directory_events() if isinstance(e, UserCreated)).snapshot
    ana, ben = (with_changes(sample, id=u, name=u, email=f"{u}@crm.example") for u in ("ana", "ben"))
    gone = with_changes(ben, active=False, version=2)
    return [
        CloudEvent.wrap(UserCreated(snapshot=ana), actor=ACTOR),
        CloudEvent.wrap(UserCreated(snapshot=ben), actor=ACTOR),
        CloudEvent.wrap(UserDeactivated(snapshot=gone), actor=ACTOR),
        CloudEvent.wrap(UserCreated(snapshot=ben), actor=ACTOR),  # a stale replay: ben stays deactivated
    ]


async def test_a_deactivated_user_gets_no_new_leads(
    live: Container, worker: Any, topics: Topics, wait_for: Any
) -> None:
    assert live.assignment.people is not None
    await live.infra.publisher.publish_many([(topics.directory, e) for e in people()])  # type: ignore[union-attr]

    async def ben_is_gone() -> bool:
        assert live.assignment.people is not None
        return await live.assignment.people.inactive(["ana", "ben"]) == {"ben"}

    await wait_for(ben_is_gone, timeout_s=60)
    rule = AssignmentRule(id="east", team="sales-east", members=["ana", "ben"])
    await live.assignment.replace(ADMIN, RuleSet(rules=[rule]), None)
    owners = [
        (await live.assignment.route(lead_id=f"l{i}", region=None, industry=None, source=None)).owner_id  # type: ignore[union-attr]
        for i in range(4)
    ]
    assert owners == ["ana"] * 4
