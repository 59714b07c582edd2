"""The board's column totals from ``deal_board`` on the real store: equal to a sum over
every deal (``total_by_stage``, the scanning path's arithmetic) after creates, stage and
amount changes, reassignment, a team change and a move to another pipeline, for every
kind of caller; read without a scan; built once for deals from before the board."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from crm_sales.adapters.collections import DEALS
from crm_sales.adapters.mongo import MongoDeals, total_by_stage
from crm_sales.domain.deal import Deal
from crm_sales.domain.permissions import Scope

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SCOPES = [
    Scope(everything=True),
    Scope(owner_id="ann"),
    Scope(owner_id="ann", teams=("east",)),
    Scope(owner_id="bob", teams=("west", "east")),
    Scope(teams=("west",)),
    Scope(owner_id="nobody"),
]
STAGES = [("qualification", 25), ("proposal", 50), ("negotiation", 75)]


def _deal(n: int) -> Deal:
    stage, probability = STAGES[n % 3]
    at = T0 + timedelta(minutes=n)
    return Deal(
        id=f"d{n:02d}", customer_id="c1", name=f"D{n}", pipeline_id="default", stage=stage,
        stage_probability=probability, amount=Decimal(f"{100 + n * 7}.{n % 100:02d}"),
        currency="EUR" if n % 4 else "USD", owner_id=["ann", "bob", None][n % 3], team=["east", "west", None][n % 2],
        stage_entered_at=at, created_at=at, updated_at=at, version=1,
    )  # fmt: skip


async def _commit(deals: MongoDeals, deal: Deal) -> Deal:
    await deals.commit(aggregate_id=deal.id, expected_version=deal.version - 1, snapshot=deal.to_doc(), events=[],
                       actor="user:a")  # fmt: skip
    return deal


async def _expected(db: Any, pipeline_id: str, scope: Scope) -> list[Any]:
    docs = [d async for d in db[DEALS].find({"pipeline_id": pipeline_id})]
    return total_by_stage(d for d in docs if scope.covers(owner_id=d.get("owner_id"), team=d.get("team")))


async def _assert_exact(deals: MongoDeals, db: Any, audit: Any) -> None:
    for pipeline_id in ("default", "renewals"):
        for scope in SCOPES:
            audit.clear()
            got = await deals.stage_totals(pipeline_id, visible=scope)
            assert audit.on(ids_in=True) == []  # by _id and _id $in only
            assert got == await _expected(db, pipeline_id, scope), (pipeline_id, scope)


async def test_board_totals_are_exact_after_every_kind_of_change(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    db = client[mongo_database]
    deals = MongoDeals(db, snapshots=DEALS, publisher=None)
    await deals.ensure_indexes()
    made = {d.id: d for d in [await _commit(deals, _deal(n)) for n in range(24)]}
    await _assert_exact(deals, db, audit)
    assert sum(t.count for t in await deals.stage_totals("default", visible=SCOPES[0])) == 24
    changes: list[tuple[str, dict[str, Any]]] = [
        ("d01", {"stage": "negotiation", "stage_probability": 75}),
        ("d02", {"amount": Decimal("0.01")}),
        ("d03", {"owner_id": "bob"}),
        ("d04", {"team": "west"}),
        ("d05", {"pipeline_id": "renewals"}),
        ("d06", {"currency": "GBP", "owner_id": None, "team": None}),
        ("d01", {"stage": "won", "stage_probability": 100, "status": "won"}),
    ]
    for deal_id, change in changes:
        deal = made[deal_id]
        made[deal_id] = await _commit(deals, deal.model_copy(update={**change, "version": deal.version + 1}))
    await _assert_exact(deals, db, audit)
    renewals = await deals.stage_totals("renewals", visible=SCOPES[0])
    assert [(t.stage, t.count) for t in renewals] == [(made["d05"].stage, 1)]


async def test_deals_from_before_the_board_are_counted_once_built(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, audit = store_audit
    db = client[mongo_database]
    await db[DEALS].insert_many([{**_deal(n).to_doc(), "_id": f"d{n:02d}"} for n in range(10)])
    deals = MongoDeals(db, snapshots=DEALS, publisher=None)
    await deals.ensure_indexes()
    await _assert_exact(deals, db, audit)
    again = MongoDeals(db, snapshots=DEALS, publisher=None)
    await again.ensure_indexes()  # built once: a second start leaves it as it is
    await _assert_exact(again, db, audit)


async def test_two_processes_building_the_board_at_one_start_both_start(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    """The API and the worker build the board together at a first start: the loser of an
    upsert race is not an error (CI saw sales' API exit on a duplicate key here)."""
    client, audit = store_audit
    db = client[mongo_database]
    await db[DEALS].insert_many([{**_deal(n).to_doc(), "_id": f"d{n:02d}"} for n in range(24)])
    starts = [MongoDeals(db, snapshots=DEALS, publisher=None) for _ in range(4)]
    await asyncio.gather(*(d.ensure_indexes() for d in starts))
    await _assert_exact(starts[0], db, audit)
    first = [MongoDeals(db, snapshots=DEALS, publisher=None) for _ in range(2)]
    await asyncio.gather(*(_commit(d, _deal(30 + n)) for n, d in enumerate(first)))  # new shares at once
    await _assert_exact(first[0], db, audit)
