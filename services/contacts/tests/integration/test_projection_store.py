"""The 360 projection's per-customer id lists on the real store: link, move, migrate, purge."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from crm_contacts.adapters.mongo_projection import MongoProjectionRepository
from crm_contacts.service.ports import TimelineEntry
from crm_shared.events.deal import DealSnapshot
from crm_shared.events.samples import sample_event
from crm_shared.mongo import make_client

pytestmark = pytest.mark.integration


def _deal(version: int = 1, **changes: Any) -> DealSnapshot:
    snap: DealSnapshot = sample_event("crm.deal.created").payload().snapshot  # type: ignore[attr-defined]
    return snap.model_copy(update={"id": str(uuid.uuid4()), "version": version, **changes})


async def test_deals_follow_their_customer_through_moves_and_merges(mongodb_url: str, mongo_database: str) -> None:
    client = make_client(mongodb_url)
    try:
        repo = MongoProjectionRepository(client[mongo_database])
        await repo.ensure_indexes()
        x, y = "cust-x", "cust-y"
        d1, d2 = _deal(), _deal()
        assert await repo.apply_deal(x, d1)
        assert await repo.apply_deal(x, d2)
        assert not await repo.apply_deal(x, d2)  # redelivery
        assert {d.id for d in await repo.deals_of(x)} == {d1.id, d2.id}
        # d2 moves to y by its own newer event: x's list still names it, its snapshot decides
        assert await repo.apply_deal(y, d2.model_copy(update={"version": 2}))
        assert [d.id for d in await repo.deals_of(x)] == [d1.id]
        assert [(d.id, d.version) for d in await repo.deals_of(y)] == [(d2.id, 2)]
        await repo.repoint(x, y)  # x merged into y
        assert await repo.deals_of(x) == []
        assert {d.id for d in await repo.deals_of(y)} == {d1.id, d2.id}
        await repo.purge(y)
        assert await repo.deals_of(y) == []
    finally:
        await client.close()


async def test_lists_are_built_once_for_a_database_from_before_them(mongodb_url: str, mongo_database: str) -> None:
    client = make_client(mongodb_url)
    try:
        db = client[mongo_database]
        d1, d2 = _deal(), _deal()
        await db["deals_360"].insert_many(
            [{"_id": d.id, "version": 1, "customer_id": "old", "snapshot": d.model_dump(mode="json")} for d in (d1, d2)]
        )
        repo = MongoProjectionRepository(db)
        await repo.ensure_indexes()
        assert {d.id for d in await repo.deals_of("old")} == {d1.id, d2.id}
        assert await repo.tickets_of("old") == []
    finally:
        await client.close()


async def test_the_worker_path_filters_on_id_only(store_audit: tuple[Any, Any], mongo_database: str) -> None:
    client, audit = store_audit
    repo = MongoProjectionRepository(client[mongo_database])
    await repo.ensure_indexes()
    audit.clear()
    deal = _deal()
    await repo.apply_deal("cust-a", deal)
    await repo.apply_deal("cust-a", deal.model_copy(update={"version": 2}))
    assert [d.version for d in await repo.deals_of("cust-a")] == [2]
    assert await repo.tickets_of("cust-a") == []
    await repo.save_summary("cust-a", {"deals": {"open_count": 1}})
    await repo.touch("cust-a", deal.created_at)
    assert (await repo.summary("cust-a") or {})["deals"] == {"open_count": 1}
    assert audit.on(ids_in=True) == []  # IdLists.items reads by {_id: {$in}} (indexed: find_by_ids)


def _entry(customer_id: str) -> TimelineEntry:
    return TimelineEntry(
        event_id=str(uuid.uuid4()),
        customer_id=customer_id,
        time=datetime.now(UTC),
        type="crm.customer.updated",
        summary="updated",
        event={"data": {"first_name": "Personal"}},
    )


async def test_purge_removes_a_customers_360_data_and_timeline_by_id(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    """An erasure's purge: the customer's deals, tickets and timeline entries go by ``_id``
    (their id lists), another customer's stay, also an entry moved to another customer by a
    merge; no scan (the timeline's was one, growing with every event of every customer)."""
    client, audit = store_audit
    db = client[mongo_database]
    repo = MongoProjectionRepository(db)
    await repo.ensure_indexes()
    mine, other = _deal(), _deal()
    await repo.apply_deal("cust-a", mine)
    await repo.apply_deal("cust-b", other)
    await repo.save_summary("cust-a", {"deals": {"open_count": 1}})
    entries = [_entry("cust-a") for _ in range(3)]
    merged, others = _entry("cust-m"), _entry("cust-b")
    for entry in (*entries, merged, others):
        assert await repo.add_timeline(entry)
    assert not await repo.add_timeline(entries[0])  # redelivery
    await repo.repoint("cust-m", "cust-a")  # cust-m merged into cust-a: its entry with it
    audit.clear()
    await repo.purge("cust-a")
    assert audit.on(ids_in=True) == []
    assert await db["deals_360"].find_one({"_id": mine.id}) is None
    assert await db["deals_360"].find_one({"_id": other.id}) is not None
    assert await repo.summary("cust-a") is None
    assert await repo.timeline("cust-a", before=None, limit=10) == []  # (a scan: the page's query)
    assert [e.event_id for e in await repo.timeline("cust-b", before=None, limit=10)] == [others.event_id]
    await repo.purge("cust-a")  # again (the worker purges on the erased event too): nothing left to do


async def test_an_entry_listed_during_a_purge_goes_with_the_next_one(mongodb_url: str, mongo_database: str) -> None:
    """The worker lists an entry after the erasure's purge read the list: the purge leaves it
    listed (it removes only what it read), so the worker's own purge after the write finds it."""
    client = make_client(mongodb_url)
    try:
        db = client[mongo_database]
        repo = MongoProjectionRepository(db)
        await repo.ensure_indexes()
        first, late = _entry("cust-a"), _entry("cust-a")
        await repo.add_timeline(first)
        entries = db["timeline_by_customer"]
        real_get = repo._entries.get

        async def get_then_a_write_lands(owner: str) -> list[str]:
            listed = await real_get(owner)
            await repo.add_timeline(late)  # the worker, between the purge's read and its end
            return listed

        repo._entries.get = get_then_a_write_lands  # type: ignore[method-assign]
        await repo.purge("cust-a")
        repo._entries.get = real_get  # type: ignore[method-assign]
        assert [e.event_id for e in await repo.timeline("cust-a", before=None, limit=10)] == [late.event_id]
        assert (await entries.find_one({"_id": "cust-a"}) or {})["ids"] == [late.event_id]
        await repo.purge("cust-a")
        assert await repo.timeline("cust-a", before=None, limit=10) == []
    finally:
        await client.close()
