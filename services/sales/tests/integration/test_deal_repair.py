"""The incremental repair of the deal lists and board (``DealIndexRepair``) on the real
store: list entries and board shares corrupted as a crash or a lost concurrent write
would leave them are put right within two passes, a few documents a round, resumed by
another process from where the walk stands, reading the deals by ``_id`` only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from crm_sales.adapters import deal_board as board
from crm_sales.adapters.collections import DEALS
from crm_sales.adapters.deal_repair import STATE, DealIndexRepair
from crm_sales.adapters.mongo import MongoDeals, total_by_stage
from crm_sales.domain.deal import Deal
from crm_sales.domain.permissions import Scope
from crm_sales.service.ports import Page

pytestmark = pytest.mark.integration

ALL = Scope(everything=True)
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _deal(n: int) -> Deal:
    at = T0 + timedelta(minutes=n)
    return Deal(
        id=f"d{n:02d}", customer_id="c1", name=f"D{n}", pipeline_id="default", stage="proposal",
        stage_probability=50, amount=Decimal(100 + n), currency="EUR", owner_id="ann" if n % 2 else "bob",
        team="east", stage_entered_at=at, created_at=at, updated_at=at, version=1,
    )  # fmt: skip


async def _listed(deals: MongoDeals, owner: str) -> list[str]:
    docs, _ = await deals.search({"owner_id": owner}, visible=ALL, page=Page(100, 0))
    return sorted(d["_id"] for d in docs)


async def test_corrupted_entries_are_repaired_incrementally_and_resumably(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    db = client[mongo_database]
    deals = MongoDeals(db, snapshots=DEALS, publisher=None)
    await deals.ensure_indexes()
    made = [await _deal_committed(deals, n) for n in range(12)]
    ann = sorted(d.id for d in made if d.owner_id == "ann")
    truth = await deals.stage_totals("default", visible=ALL)
    assert truth == total_by_stage([d.to_doc() for d in made])
    lists = deals.lists
    key = lists.lists_of({**made[1].to_doc(), "_id": "d01"})["owner:ann"]
    cell = board.cell_of(made[3].to_doc())
    assert cell is not None
    # what crashes and lost concurrent writes leave behind
    await lists.lists.remove("owner:ann", "d01", key)  # an entry lost
    await lists.lists.add("owner:zed", "d02", key)  # an entry of a dead write
    await deals.board.put(cell, "d03", {**board.share_of(made[3].to_doc()), "a": "999999.00"})  # a stale share
    await deals.board.put(cell, "d05", None)  # a lost share
    assert await _listed(deals, "ann") != ann
    assert await deals.stage_totals("default", visible=ALL) != truth

    repair = DealIndexRepair(deals, units_per_round=3)
    first = await repair.run_once()
    assert first.units == 3
    assert not first.pass_done
    stood = await deals.board.coll.find_one({"_id": STATE}) or {}
    # another process (a restarted worker) goes on from the stored cursor
    repair = DealIndexRepair(deals, units_per_round=3)
    audit.clear()
    second = await repair.run_once()
    now = await deals.board.coll.find_one({"_id": STATE}) or {}
    assert second.pass_done or now["cursor"] > stood["cursor"] > ""
    passes, rounds = int(second.pass_done), 0
    while passes < 2:
        result = await repair.run_once()
        assert result.units <= 3
        passes += result.pass_done
        rounds += 1
        assert rounds < 200
    assert audit.on(DEALS, ids_in=True) == []  # the deals read by _id only
    assert await _listed(deals, "ann") == ann
    assert await lists.lists.count("owner:zed") == 0
    assert await deals.stage_totals("default", visible=ALL) == truth
    # nothing left to do: a further pass changes nothing
    fixed = 0
    while not (result := await repair.run_once()).pass_done:
        fixed += result.fixed
    assert fixed + result.fixed == 0


async def _deal_committed(deals: MongoDeals, n: int) -> Deal:
    deal = _deal(n)
    await deals.commit(aggregate_id=deal.id, expected_version=0, snapshot=deal.to_doc(), events=[], actor="user:a")
    return deal
