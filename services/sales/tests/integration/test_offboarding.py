"""On the real broker and store: a deactivated user's open deals and leads go to their
sales team's manager (crm.deal.updated / crm.lead.assigned by system:sales); with no
manager they keep their owner, flagged owner_inactive and listed for admins
(``?owner_inactive=true``); closed work is left alone; a replayed deactivation changes
nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from crm_sales.bootstrap import Container
from crm_sales.domain.deal import Deal
from crm_sales.domain.lead import Lead
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.events.directory import (
    MembershipChanged,
    TeamSnapshot,
    TeamUpdated,
    UserCreated,
    UserDeactivated,
    UserUpdated,
)
from crm_shared.events.directory_samples import directory_events
from crm_shared.events.envelope import Actor
from crm_shared.events.sample_story import with_changes
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

ACTOR = Actor(id="root", department=None, kind="user")
NOW = datetime.now(UTC).replace(microsecond=0)


def directory() -> tuple[list[CloudEvent], CloudEvent]:
    sample = next(e for e in directory_events() if isinstance(e, UserCreated)).snapshot
    mia, rex, zoe = (
        with_changes(sample, id=u, name=u, email=f"{u}@crm.example", teams=[], active=True)
        for u in ("mia", "rex", "zoe")
    )
    east = TeamSnapshot(
        id="sales-east", name="East", department="sales", manager_id="mia", created_at=NOW, updated_at=NOW, version=1
    )
    rex_in = with_changes(rex, teams=["sales-east"], version=2)
    zoe_gone = with_changes(zoe, active=False, version=2)
    events = [
        CloudEvent.wrap(TeamUpdated(snapshot=east), actor=ACTOR),
        CloudEvent.wrap(UserCreated(snapshot=mia), actor=ACTOR),
        CloudEvent.wrap(UserCreated(snapshot=rex), actor=ACTOR),
        CloudEvent.wrap(MembershipChanged(snapshot=rex_in, team_id="sales-east", change="joined"), actor=ACTOR),
        CloudEvent.wrap(UserDeactivated(snapshot=with_changes(rex_in, active=False, version=3)), actor=ACTOR),
        CloudEvent.wrap(UserCreated(snapshot=zoe), actor=ACTOR),
    ]
    return events, CloudEvent.wrap(UserDeactivated(snapshot=zoe_gone), actor=ACTOR)


def deal(deal_id: str, owner: str, status: str = "open") -> Deal:
    return Deal(
        id=deal_id, customer_id="c1", name=deal_id, pipeline_id="default", stage="qualification",
        stage_probability=10, status=status, amount=Decimal("100.00"), currency="EUR", owner_id=owner,
        team="sales-east", stage_entered_at=NOW, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def lead(lead_id: str, owner: str, status: str) -> Lead:
    return Lead(id=lead_id, source="web", owner_id=owner, status=status, created_at=NOW, updated_at=NOW)


async def test_a_deactivated_users_open_work_goes_to_the_manager_or_is_flagged(
    live: Container, live_api: httpx.AsyncClient, worker: Any, topics: Topics, wait_for: Any, read_events: Any
) -> None:
    deals, leads = live.ports.deals, live.ports.leads
    for d in (deal("d1", "rex"), deal("d2", "rex", "won"), deal("d3", "zoe")):
        await deals.commit(aggregate_id=d.id, expected_version=0, snapshot=d.to_doc(), events=[], actor="t")
    for ld in (lead("l1", "rex", "assigned"), lead("l2", "zoe", "working"), lead("l3", "rex", "converted")):
        await leads.commit(aggregate_id=ld.id, expected_version=0, snapshot=ld.to_doc(), events=[], actor="t")
    people, zoe_gone = directory()
    publisher = live.infra.publisher  # type: ignore[union-attr]
    await publisher.publish_many([(topics.directory, e) for e in [*people, zoe_gone]])

    async def handed_over() -> bool:
        d1, d3 = Deal.from_doc(await deals.get("d1") or {}), Deal.from_doc(await deals.get("d3") or {})
        l1, l2 = Lead.from_doc(await leads.get("l1") or {}), Lead.from_doc(await leads.get("l2") or {})
        return (d1.owner_id, l1.owner_id, d3.owner_inactive, l2.owner_inactive) == ("mia", "mia", True, True)

    await wait_for(handed_over, timeout_s=60)
    d2, l3 = Deal.from_doc(await deals.get("d2") or {}), Lead.from_doc(await leads.get("l3") or {})
    assert (d2.owner_id, d2.version, l3.owner_id, l3.version) == ("rex", 1, "rex", 1)  # closed work stays

    # listed for admins, with the flag in the answer
    admin = {"Authorization": f"Bearer {mint_token(live.settings, sub='root', roles=['admin'])}"}
    listed = (await live_api.get("/deals", params={"owner_inactive": "true"}, headers=admin)).json()
    assert [(d["id"], d["owner_inactive"]) for d in listed["items"]] == [("d3", True)]
    listed = (await live_api.get("/leads", params={"owner_inactive": "true"}, headers=admin)).json()
    assert [i["id"] for i in listed["items"]] == ["l2"]

    # replayed: nothing changes (a later event on zoe's key shows the replay was handled)
    versions = {i: (await deals.get(i) or {})["version"] for i in ("d1", "d3")}
    marker = with_changes(zoe_gone.payload().snapshot, version=3)  # type: ignore[attr-defined]
    await publisher.publish_many(
        [
            (topics.directory, zoe_gone),
            (topics.directory, CloudEvent.wrap(UserDeactivated(snapshot=marker), actor=ACTOR)),
        ]
    )
    replica = live.db["directory_users"]  # type: ignore[index]

    async def handled() -> bool:
        doc = await replica.find_one({"_id": "zoe"})
        return doc is not None and doc["version"] == 3

    await wait_for(handled, timeout_s=30)
    assert {i: (await deals.get(i) or {})["version"] for i in ("d1", "d3")} == versions

    # through the write path: the owner changes are on the topics, by sales itself
    def owner_changes(events: list[CloudEvent]) -> list[CloudEvent]:
        return [e for e in events if e.type in ("crm.deal.updated", "crm.lead.assigned") and e.subject in ("d1", "l1")]

    on_deals = owner_changes(await read_events(topics.deal, stop=lambda evs: bool(owner_changes(evs))))
    on_leads = owner_changes(await read_events(topics.lead, stop=lambda evs: bool(owner_changes(evs))))
    assert [(e.subject, e.payload().previous) for e in on_deals] == [("d1", {"owner_id": "rex"})]  # type: ignore[attr-defined]
    assert [(e.subject, e.payload().previous_owner_id) for e in on_leads] == [("l1", "rex")]  # type: ignore[attr-defined]
    assert {e.actor.split("@")[0] for e in on_deals + on_leads} == {"system:sales"}


async def test_a_reactivated_users_records_lose_the_flag_and_a_replayed_deactivation_changes_nothing(
    live: Container, worker: Any, topics: Topics, wait_for: Any
) -> None:
    deals, leads = live.ports.deals, live.ports.leads
    await deals.commit(aggregate_id="d9", expected_version=0, snapshot=deal("d9", "zoe").to_doc(), events=[], actor="t")
    l9 = lead("l9", "zoe", "working")
    await leads.commit(aggregate_id="l9", expected_version=0, snapshot=l9.to_doc(), events=[], actor="t")
    people, zoe_gone = directory()
    publisher = live.infra.publisher  # type: ignore[union-attr]
    await publisher.publish_many([(topics.directory, e) for e in [*people, zoe_gone]])

    async def flags() -> tuple[bool, bool]:
        d9, l9 = Deal.from_doc(await deals.get("d9") or {}), Lead.from_doc(await leads.get("l9") or {})
        return d9.owner_inactive, l9.owner_inactive

    async def flagged() -> bool:
        return await flags() == (True, True)

    await wait_for(flagged, timeout_s=60)
    zoe_back = with_changes(zoe_gone.payload().snapshot, active=True, version=3)  # type: ignore[attr-defined]
    back = UserUpdated(
        snapshot=zoe_back, changed_fields=["active", "deactivated_at"], previous={"active": False}, change_origin="t"
    )
    await publisher.publish_many([(topics.directory, CloudEvent.wrap(back, actor=ACTOR))])

    async def unflagged() -> bool:
        return await flags() == (False, False)

    await wait_for(unflagged, timeout_s=60)
    d9 = await deals.get("d9") or {}
    assert (d9["owner_id"], d9["version"]) == ("zoe", 3)  # created, flagged, unflagged: kept by zoe
    # the deactivation again (a replay): the replica holds the newer, active zoe
    marker = with_changes(zoe_back, version=4)
    await publisher.publish_many(
        [
            (topics.directory, zoe_gone),
            (topics.directory, CloudEvent.wrap(UserUpdated(snapshot=marker, changed_fields=["name"], previous={},
                                                           change_origin="t"), actor=ACTOR)),
        ]
    )  # fmt: skip
    replica = live.db["directory_users"]  # type: ignore[index]

    async def handled() -> bool:
        doc = await replica.find_one({"_id": "zoe"})
        return doc is not None and doc["version"] == 4

    await wait_for(handled, timeout_s=30)
    assert await flags() == (False, False)
    assert (await deals.get("d9") or {})["version"] == 3
