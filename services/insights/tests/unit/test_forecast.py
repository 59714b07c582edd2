"""Forecast categories (with per-deal overrides), the weighted and the historical
forecast against target and actual, and the backtest of past months (hand computed;
definitions in domain/forecast.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from crm_insights.bootstrap import Container, in_memory
from crm_insights.domain.figures import Filters
from crm_insights.testing import ScriptedDeal, day
from crm_shared.events import CloudEvent

from .test_pipeline_figures import ADMIN


def deal(name: str, stage: str, p: int, amount: str, created: str, expected: date | None = None) -> ScriptedDeal:
    return ScriptedDeal(name, f"c-{name}", "f", stage, p, amount, "EUR", "alice", "t1", day(created), expected)


def history() -> list[CloudEvent]:
    a = deal("a", "qualify", 20, "1000.00", "2026-01-02", date(2026, 3, 10))
    b = deal("b", "qualify", 20, "2000.00", "2026-01-03")
    c = deal("c", "qualify", 20, "500.00", "2026-02-01", date(2026, 3, 20))
    d = deal("d", "negotiate", 80, "3000.00", "2026-02-02", date(2026, 3, 25))
    e = deal("e", "qualify", 20, "400.00", "2026-02-03", date(2026, 3, 28))
    e.source = "web_form"
    f = deal("f", "propose", 50, "800.00", "2026-02-04", date(2026, 3, 15))
    g = deal("g", "qualify", 20, "1500.00", "2026-02-10")
    return [
        a.create(), b.create(), a.move("propose", 50, day("2026-01-15")), b.move("propose", 50, day("2026-01-20")),
        a.close("won", day("2026-02-10")), c.create(), d.create(), e.create(), f.create(), g.create(),
        c.update(day("2026-02-05"), forecast_category="commit"),
        f.update(day("2026-02-06"), forecast_category="omitted"),
        b.close("lost", day("2026-03-05")), g.close("won", day("2026-03-20")),
    ]  # fmt: skip


async def fed() -> Container:
    container = in_memory()
    for event in history():
        await container.deals.on_event(event)
    return container


async def test_march_by_category_weighted_and_historical_against_target() -> None:
    container = await fed()
    await container.targets.put(caller=ADMIN, kind="team", who="t1", period="2026-03", currency="EUR",
                                amount=Decimal("6000"))  # fmt: skip
    march = await container.targets.forecast(caller=ADMIN, filters=Filters(period="2026-03", team="t1"))
    assert march["by_currency"] == [
        {
            "currency": "EUR",
            "won": "1500.00",  # g
            # c: qualify but the owner's "commit"; d: negotiate 80 % -> commit; e: qualify -> pipeline;
            # f: propose but "omitted"; b lost in March -> omitted
            "categories": {"pipeline": "400.00", "best_case": "0.00", "commit": "3500.00", "closed": "1500.00",
                           "omitted": "2800.00"},
            "commit": "5000.00",
            "best_case": "5000.00",
            "weighted": "4480.00",  # 1500 + 500 x 20 % + 3000 x 80 % + 400 x 20 % + 800 x 50 %
            # rates: qualify 2 of 3 (a, g won; b lost), propose 1 of 2, negotiate none -> 80 %
            "historical": "4900.00",  # 1500 + 500 x 2/3 + 3000 x 0.8 + 400 x 2/3 + 800 x 1/2
            "target": "6000.00",
            "attainment": 0.25,
        }
    ]  # fmt: skip
    assert march["stage_win_rates"] == [
        {"pipeline_id": "f", "stage": "propose", "deals": 2, "won": 1, "rate": 0.5},
        {"pipeline_id": "f", "stage": "qualify", "deals": 3, "won": 2, "rate": 0.6667},
    ]


async def test_the_backtest_of_past_months_equals_the_hand_computation() -> None:
    container = await fed()
    result = await container.targets.backtest(caller=ADMIN, filters=Filters(pipeline_id="f"))
    assert result["periods"] == [
        # February: a (in propose on 1 Feb, 50 %; no deal closed before: the rate falls back to 50 %)
        {"period": "2026-02", "currency": "EUR", "deals": 1, "actual": "1000.00", "weighted": "500.00",
         "historical": "500.00", "weighted_error": -0.5, "historical_error": -0.5},
        # March: b (propose on 1 Mar, lost) and g (qualify, won 1500); before March a won from
        # both stages: rates 1 -> historical 2000 + 1500; weighted 1000 + 300
        {"period": "2026-03", "currency": "EUR", "deals": 2, "actual": "1500.00", "weighted": "1300.00",
         "historical": "3500.00", "weighted_error": -0.1333, "historical_error": 1.3333},
    ]  # fmt: skip
    assert result["weighted_mean_abs_error"] == pytest.approx(0.3167, abs=1e-4)
    assert result["historical_mean_abs_error"] == pytest.approx(0.9167, abs=1e-4)


async def test_lead_source_is_a_dimension() -> None:
    container = await fed()
    sales = await container.queries.sales(caller=ADMIN, filters=Filters(pipeline_id="f"))
    assert [(r["source"], r["open"], r["won"], r["lost"]) for r in sales["by_source"]] == [
        ("", 3, 2, 1),
        ("web_form", 1, 0, 0),
    ]
    web = await container.queries.pipeline(caller=ADMIN, filters=Filters(source="web_form"))
    assert [(r["stage"], r["amount"]) for r in web["stages"]] == [("qualify", "400.00")]
