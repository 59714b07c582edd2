"""A rep's deals on the real store: right after opening, reassignment, a move to another
pipeline, by offset with the total, newest first, through ``_id`` alone; an interrupted
write leaves an entry that is skipped, a lost one is repaired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from crm_sales.adapters.collections import DEALS
from crm_sales.adapters.mongo import MongoDeals
from crm_sales.domain.deal import Deal
from crm_sales.domain.permissions import Scope
from crm_sales.service.ports import Page

pytestmark = pytest.mark.integration

ALL = Scope(everything=True)
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _deal(n: int, *, owner: str = "ann", pipeline: str = "default") -> Deal:
    at = T0 + timedelta(minutes=n // 2)  # pairs opened in the same minute: ties by id
    return Deal(
        id=f"d{n:02d}", customer_id="c1", name=f"D{n}", pipeline_id=pipeline, stage="qualification",
        stage_probability=25, amount=Decimal(100), currency="EUR", owner_id=owner, team="east",
        stage_entered_at=at, created_at=at, updated_at=at, version=1,
    )  # fmt: skip


async def _commit(deals: MongoDeals, deal: Deal) -> Deal:
    await deals.commit(aggregate_id=deal.id, expected_version=deal.version - 1, snapshot=deal.to_doc(), events=[],
                       actor="user:a")  # fmt: skip
    return deal


async def _all(deals: MongoDeals, scope: Scope = ALL, **filters: str) -> tuple[list[str], int]:
    out: list[str] = []
    while True:
        docs, total = await deals.search(filters, visible=scope, page=Page(3, len(out)))
        out += [d["_id"] for d in docs]
        if len(docs) < 3:
            return out, total


def _newest(deals: list[Deal]) -> list[str]:
    """The scanning path's order: ``created_at`` descending, ``_id`` ascending."""
    return [d.id for d in sorted(sorted(deals, key=lambda d: d.id), key=lambda d: d.created_at, reverse=True)]


async def test_a_reps_deals_follow_the_writes_and_read_by_id_only(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    deals = MongoDeals(client[mongo_database], snapshots=DEALS, publisher=None)
    await deals.ensure_indexes()
    made = {f"d{n:02d}": await _commit(deals, _deal(n, owner="ann" if n < 7 else "bob")) for n in range(9)}
    audit.clear()
    ann = [d for d in made.values() if d.owner_id == "ann"]
    assert await _all(deals, owner_id="ann") == (_newest(ann), len(ann))
    assert await _all(deals, owner_id="ann", pipeline_id="default") == (_newest(ann), len(ann))
    assert await _all(deals, Scope(owner_id="ann"), owner_id="ann") == (_newest(ann), len(ann))
    assert audit.on("deals", "deal_lists", ids_in=True) == []
    # reassigned to bob, moved to another pipeline
    for did, change in (("d02", {"owner_id": "bob"}), ("d03", {"pipeline_id": "renewals"})):
        made[did] = await _commit(deals, made[did].model_copy(update={**change, "version": 2}))
    audit.clear()
    now = list(made.values())
    for owner in ("ann", "bob"):
        mine = [d for d in now if d.owner_id == owner]
        assert await _all(deals, owner_id=owner) == (_newest(mine), len(mine))
        in_default = [d for d in mine if d.pipeline_id == "default"]
        assert await _all(deals, owner_id=owner, pipeline_id="default") == (_newest(in_default), len(in_default))
    assert await _all(deals, owner_id="ann", pipeline_id="renewals") == (["d03"], 1)
    assert audit.on("deals", "deal_lists", ids_in=True) == []
    # another filter, or a caller who sees only part of the owner's deals: the scanning path
    scanned = await _all(deals, owner_id="ann", status="open")
    assert scanned == await _all(deals, owner_id="ann")
    assert await _all(deals, Scope(owner_id="bob"), owner_id="ann") == ([], 0)


async def test_an_interrupted_write_is_skipped_and_a_lost_entry_repaired(
    mongo_database: str, store_audit: tuple[Any, Any]
) -> None:
    client, _ = store_audit
    db = client[mongo_database]
    deals = MongoDeals(db, snapshots=DEALS, publisher=None)
    await deals.ensure_indexes()
    deal = await _commit(deals, _deal(1))
    old = await db[DEALS].find_one({"_id": deal.id})
    await deals.lists.before_commit(deal.id, old, {**(old or {}), "owner_id": "zed"})  # then the process died
    assert (await _all(deals, owner_id="zed"))[0] == []
    assert await _all(deals, owner_id="ann") == ([deal.id], 1)
    await deals.lists.lists.remove("owner:ann", deal.id, deals.lists.lists_of(old)["owner:ann"])
    assert await _all(deals, owner_id="ann") == ([], 0)  # lost (two processes wrote one segment)
    assert await deals.lists.repair(db[DEALS]) == (1, 0)
    assert await _all(deals, owner_id="ann") == ([deal.id], 1)
    assert await deals.lists.repair(db[DEALS]) == (0, 2)  # the dead write's entries, extra twice
    assert await deals.lists.lists.count("owner:zed") == 0


async def test_the_boards_cards_come_from_the_lists_for_every_scope(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    """``pipeline_id`` alone (the console's board): the same deals, order and total as the
    scanning path, for a caller who sees everything and for a rep (own deals and their
    teams', a deal on both once), with no scan of the deals."""
    client, audit = store_audit
    deals = MongoDeals(client[mongo_database], snapshots=DEALS, publisher=None)
    await deals.ensure_indexes()
    owners = [("ann", "east"), ("bob", "east"), ("cid", "west"), ("ann", "west"), ("dan", None)]
    made = []
    for n in range(15):
        owner, team = owners[n % len(owners)]
        deal = _deal(n, owner=owner, pipeline="default" if n % 4 else "renewals")
        made.append(await _commit(deals, deal.model_copy(update={"team": team})))
    moved = made[5].model_copy(update={"team": "west", "version": 2})  # ann's deal moves to the west team
    made[5] = await _commit(deals, moved)
    scopes = [ALL, Scope(owner_id="ann", teams=("east",)), Scope(owner_id="cid", teams=()), Scope(teams=("west",))]
    for scope in scopes:
        for pipeline in ("default", "renewals"):
            mine = [d for d in made if d.pipeline_id == pipeline and scope.covers(owner_id=d.owner_id, team=d.team)]
            audit.clear()
            assert await _all(deals, scope, pipeline_id=pipeline) == (_newest(mine), len(mine)), (scope, pipeline)
            assert audit.on("deals", "deal_lists", "deal_board", ids_in=True) == []


async def test_lists_built_by_an_older_version_are_built_again(
    mongo_database: str, store_audit: tuple[Any, Any]
) -> None:
    client, _ = store_audit
    db = client[mongo_database]
    deals = MongoDeals(db, snapshots=DEALS, publisher=None)
    await deals.ensure_indexes()
    deal = await _commit(deals, _deal(1))
    await db["deal_lists"].delete_many({"_id": {"$regex": "^(pipeline|team):"}})  # as before those lists
    await db["deal_lists"].replace_one({"_id": "_built"}, {"_id": "_built"})
    fresh = MongoDeals(db, snapshots=DEALS, publisher=None)
    await fresh.ensure_indexes()
    assert await _all(fresh, pipeline_id="default") == ([deal.id], 1)
    assert await fresh.lists.lists.count("team:east:pipeline:default") == 1
