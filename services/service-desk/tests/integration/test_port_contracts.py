"""One suite, two implementations of every port: the Mongo adapters and the in-memory
fakes the unit tests use behave the same (so a unit test's verdict holds on the store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from crm_service_desk.bootstrap import Stores, memory_stores, mongo_stores
from crm_service_desk.domain.permissions import Scope
from crm_service_desk.domain.ticket import Comment, Ticket
from crm_shared.errors import NotFound, VersionConflict
from crm_shared.mongo import make_client

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["mongo", "memory"])
async def stores(request: pytest.FixtureRequest, mongodb_url: str, mongo_database: str) -> AsyncIterator[Stores]:
    if request.param == "memory":
        yield memory_stores()
        return
    client = make_client(mongodb_url)
    try:
        yield mongo_stores(client[mongo_database], publisher=None)
    finally:
        await client.close()


def _ticket(tid: str, *, group: str | None = None, at: datetime = T0, check: datetime | None = None) -> Ticket:
    return Ticket(
        id=tid,
        customer_id=f"c-{tid}",
        subject="s",
        channel="web",
        priority="normal",
        group=group,
        assignee_id="ana",
        created_at=at,
        updated_at=at,
        sla_next_check_at=check,
    )


def _comment(body: str, *, public: bool) -> dict[str, object]:
    return {
        "comment": Comment(
            id=body, author_id="ana", author_kind="agent", public=public, body=body, created_at=T0
        ).model_dump(mode="python")
    }


async def test_tickets(stores: Stores) -> None:
    s = stores.tickets
    a = await s.commit(_ticket("a", group="billing", check=T0), expected_version=0, events=[], actor="x")
    with pytest.raises(VersionConflict):
        await s.commit(_ticket("a"), expected_version=0, events=[], actor="x")
    await s.commit(a, expected_version=1, events=[], actor="x", changes=_comment("note", public=False))
    await s.commit(
        _ticket("b", at=T0 + timedelta(hours=1), check=T0 + timedelta(hours=2)),
        expected_version=0,
        events=[],
        actor="x",
    )
    assert (await s.require("a")).version == 2
    with pytest.raises(NotFound):
        await s.require("nope")
    assert await s.sla_due(T0 + timedelta(minutes=1)) == ["a"]
    assert [t.id for t in await s.find(scope=Scope(everything=True), filters={}, limit=10, offset=0)] == ["b", "a"]
    assert [t.id for t in await s.find(scope=Scope(groups=("billing",)), filters={}, limit=10, offset=0)] == ["a"]
    assert await s.ids_of_customers(["c-b"]) == ["b"]
    assert await s.open_counts(["ana", "bob"]) == {"ana": 2, "bob": 0}
    assert [c.body for c in await s.comments("a", include_internal=True)] == ["note"]
    assert await s.comments("a", include_internal=False) == []
    await s.redact_history("a")
    assert [c.body for c in await s.comments("a", include_internal=True)] == ["[erased]"]


async def test_customer_and_deal_replicas(stores: Stores) -> None:
    customers, deals = stores.customers, stores.deals
    assert await customers.apply("c1", 2, {"owner_id": "rep1", "display_name": "A"})
    assert not await customers.apply("c1", 1, {"display_name": "old"})
    await customers.mark_gone("c2", 3, {"erased": True})
    assert not await customers.apply("c2", 2, {"display_name": "back"})
    await customers.forget("c2")
    assert (await customers.get("c2") or {}).get("erased") is True  # markers survive tombstones
    assert await customers.owned_by("rep1") == ["c1"]
    assert await customers.owners(["c1", "zz"]) == {"c1": "rep1"}
    await deals.apply("d1", 1, {"customer_id": "c9", "status": "open", "expected_close_date": "2026-05-01"})
    await deals.apply("d2", 1, {"customer_id": "c9", "status": "open", "expected_close_date": "2026-04-01"})
    await deals.apply("d3", 1, {"customer_id": "c9", "status": "won"})
    assert [d["_id"] for d in await deals.open_for("c9")] == ["d2", "d1"]
    await deals.repoint(["c9"], "c1")
    assert [d["_id"] for d in await deals.open_for("c1")] == ["d2", "d1"]
    await deals.delete_for("c1")
    assert await deals.open_for("c1") == []


async def test_sla_claims(stores: Stores) -> None:
    claims = stores.claims
    assert await claims.claim("t", "resolution", "breach", owner="w1", now=T0, lease_s=30)
    assert await claims.claim("t", "resolution", "breach", owner="w1", now=T0, lease_s=30)  # its own, unfinished
    assert not await claims.claim("t", "resolution", "breach", owner="w2", now=T0 + timedelta(seconds=29), lease_s=30)
    assert await claims.claim("t", "resolution", "breach", owner="w2", now=T0 + timedelta(seconds=30), lease_s=30)
    await claims.finish("t", "resolution", "breach", version=3)
    assert not await claims.claim("t", "resolution", "breach", owner="w2", now=T0 + timedelta(hours=1), lease_s=30)


async def test_configuration_and_facts(stores: Stores) -> None:
    rules = {"name": "p", "targets": [{"priority": "low", "first_response_s": 60, "resolution_s": 120}]}
    assert await stores.policies.commit("z", expected_version=0, doc={**rules, "position": 5}, actor="x") == 1
    await stores.policies.commit("a", expected_version=0, doc={**rules, "position": 9}, actor="x")
    with pytest.raises(VersionConflict):
        await stores.policies.commit("z", expected_version=0, doc=rules, actor="x")
    assert [p for p, _ in await stores.policies.rules()] == ["z", "a"]
    with pytest.raises(NotFound):
        await stores.policies.get("nope")
    await stores.groups.commit("billing", expected_version=0, doc={"members": ["ana"]}, actor="x")
    assert [g["_id"] for g in await stores.groups.all()] == ["billing"]
    slots = [await stores.groups.next_slot("billing", now=T0) for _ in range(3)]
    assert slots == sorted(set(slots))
    assert await stores.facts.apply(
        "t1", 2, {"created_at": T0, "group": "g", "assignee_id": None, "priority": "low", "status": "new"}
    )
    assert not await stores.facts.apply("t1", 1, {"created_at": T0, "group": "other"})
    found = await stores.facts.find(since=T0, until=None, group="g", agent=None)
    assert [f.id for f in found] == ["t1"]
    assert await stores.facts.find(since=None, until=T0, group=None, agent=None) == []
