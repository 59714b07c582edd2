"""Funnel and forecast read models, fed by the worker from ``crm.deal``, on the seeded
scenario (see tests/unit/test_analytics.py for how each number is computed by hand)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_sales.bootstrap import Container
from crm_sales.domain.deal import DealDraft, StageChange
from crm_shared.auth import Principal

pytestmark = pytest.mark.integration

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
DAY = 86400.0


async def _play(live: Container, scenario: list[Any], clock: Any) -> dict[str, str]:
    customer = await live.ports.replica.upsert("cust-1", 1, {"display_name": "Acme", "erased": False})
    assert customer
    ids: dict[str, str] = {}
    live.deps.clock = clock
    for at, action, key, args in scenario:
        clock.now = at
        if action == "create":
            stage, amount, currency, owner, close = args
            deal, _ = await live.deals.create(
                ADMIN,
                DealDraft(
                    name=key,
                    customer_id="cust-1",
                    stage=stage,
                    amount=amount,
                    currency=currency,
                    owner_id=owner,
                    expected_close_date=close,
                ),
            )
            ids[key] = deal.id
        else:
            current = await live.deals.load(ids[key])
            assert current is not None
            await live.deals.move(ADMIN, ids[key], StageChange(stage=args[0], reason=args[1]), current.version)
    return ids


async def test_funnel_and_forecast_from_events(
    live: Container,
    live_api: httpx.AsyncClient,
    worker: Any,
    auth: Any,
    analytics_scenario: Any,
    clock: Any,
    wait_for: Any,
) -> None:
    await _play(live, analytics_scenario, clock)
    facts = live.db["deal_facts"]
    # 7 deals, 15 events: every fact at its deal's last version
    await wait_for(lambda: _settled(live), timeout_s=20)
    assert await facts.count_documents({}) == 7

    h = auth("max", "sales", "manager")
    r = await live_api.get("/analytics/funnel", params={"from": "2025-03-01", "to": "2025-04-01"}, headers=h)
    assert r.status_code == 200, r.text
    funnel = r.json()
    rows = {s["stage"]: s for s in funnel["stages"]}
    assert {s: (x["reached"]["count"], x["reached"]["amount"]) for s, x in rows.items()} == {
        "initial_contact": (6, {"EUR": "7200.00", "USD": "1500.00"}),
        "qualification": (4, {"EUR": "6000.00", "USD": "1500.00"}),
        "proposal": (3, {"EUR": "4000.00", "USD": "1500.00"}),
        "negotiation": (2, {"EUR": "4000.00"}),
        "closed_won": (1, {"EUR": "1000.00"}),
        "closed_lost": (1, {"EUR": "2000.00"}),
    }
    assert [rows[s]["conversion_to_next"] for s in ("initial_contact", "qualification", "proposal", "negotiation")] == [
        0.6667,
        0.75,
        0.6667,
        0.5,
    ]
    assert [
        rows[s]["avg_time_in_stage_s"] for s in ("initial_contact", "qualification", "proposal", "negotiation")
    ] == [2 * DAY, 2 * DAY, 5 * DAY, None]
    assert (funnel["win_rate"], funnel["avg_sales_cycle_days"]) == (0.5, 10.0)

    bob = (await live_api.get("/analytics/funnel", params={"owner_id": "bob", "from": "2025-03-01"}, headers=h)).json()
    assert bob["deals"] == {"count": 1, "amount": {"EUR": "700.00"}}
    # a rep asking without filters gets their own numbers
    mine = (await live_api.get("/analytics/funnel", headers=auth("bob", "sales"))).json()
    assert (mine["filters"]["owner_id"], mine["deals"]["count"]) == ("bob", 1)

    forecast = (await live_api.get("/analytics/forecast", headers=h)).json()
    assert [
        (
            m["month"],
            m["currency"],
            m["open_count"],
            m["open_amount"],
            m["weighted_amount"],
            m["won_count"],
            m["won_amount"],
        )
        for m in forecast["months"]
    ] == [
        ("2025-03", "EUR", 0, "0.00", "0.00", 2, "10999.00"),
        ("2025-04", "EUR", 3, "4200.00", "2370.00", 0, "0.00"),
        ("2025-05", "USD", 1, "1500.00", "750.00", 0, "0.00"),
    ]
    r = await live_api.get("/analytics/forecast", params={"from_month": "2025-13"}, headers=h)
    assert (r.status_code, r.json()["errors"][0]["loc"]) == (422, ["query", "from_month"])


async def _settled(live: Container) -> bool:
    deals = {d["_id"]: d["version"] async for d in live.db["deals"].find({}, {"version": 1})}
    facts = {d["_id"]: d["version"] async for d in live.db["deal_facts"].find({}, {"version": 1})}
    return len(deals) == 7 and deals == facts
