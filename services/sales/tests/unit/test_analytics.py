"""Funnel and forecast on the seeded scenario, against values computed by hand.

The scenario (conftest.SCENARIO), March 2025, default pipeline, all but D5 in EUR:
  D1 1000  initial 2d -> qualification 3d -> proposal 5d -> won     (cycle 10 days)
  D2 2000  initial 2d -> qualification 1d -> lost (price)
  D3  500  initial (open, closes 2025-04)
  D4 3000  created in qualification 2d -> negotiation (open, closes 2025-04)
  D5 1500 USD  initial 2d -> proposal (open, closes 2025-05)
  D6 9999  created in February, won 2 March (outside the March cohort)
  D7  700  owner bob, initial (open, closes 2025-04)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_sales.domain.analytics import DealFact, fold, forecast, funnel
from crm_sales.domain.deal import Deal
from crm_sales.domain.pipeline import DEFAULT_PIPELINE
from crm_sales.domain.stages import plan_move
from crm_shared.events import DealSnapshot

DAY = 86400.0


def simulate(scenario: list[tuple[datetime, str, str, tuple[Any, ...]]]) -> dict[str, DealFact]:
    deals: dict[str, Deal] = {}
    facts: dict[str, DealFact | None] = {}
    for at, action, key, args in scenario:
        extra: dict[str, Any] = {}
        if action == "create":
            stage_id, amount, currency, owner, close = args
            stage = DEFAULT_PIPELINE.stage(stage_id)
            assert stage is not None
            deal = Deal(
                id=key,
                customer_id="c",
                name=key,
                pipeline_id="default",
                stage=stage_id,
                stage_probability=stage.probability,
                amount=amount,
                currency=currency,
                owner_id=owner,
                expected_close_date=close,
                stage_entered_at=at,
                created_at=at,
                updated_at=at,
                version=1,
            )
            event_type = "crm.deal.created"
        else:
            old = deals[key]
            move = plan_move(
                status=old.status,
                current_stage=old.stage,
                stage_entered_at=old.stage_entered_at,
                pipeline=DEFAULT_PIPELINE,
                to_stage=args[0],
                reason=args[1],
                now=at,
            )
            deal = old.model_copy(
                update={
                    "stage": move.to_stage,
                    "stage_probability": move.probability,
                    "status": move.status,
                    "stage_entered_at": at,
                    "updated_at": at,
                    "version": old.version + 1,
                }
            )
            event_type = {"stage_changed": "crm.deal.stage_changed", "won": "crm.deal.won", "lost": "crm.deal.lost"}[
                move.kind
            ]
            extra = {"from_stage": move.from_stage, "time_in_previous_stage_s": move.time_in_previous_stage_s}
        deals[key] = deal
        snapshot: DealSnapshot = deal.snapshot()
        new = fold(facts.get(key), event_type=event_type, snapshot=snapshot, **extra)
        if new is not None:
            facts[key] = new
    return {k: v for k, v in facts.items() if v is not None}


def test_fold_is_idempotent_and_ignores_older_versions(analytics_scenario: Any) -> None:
    facts = simulate(analytics_scenario)
    d1 = facts["D1"]
    assert d1.stages_entered == ["initial_contact", "qualification", "proposal", "closed_won"]
    assert d1.time_in_stage_s == {"initial_contact": 2 * DAY, "qualification": 3 * DAY, "proposal": 5 * DAY}
    same = d1.model_copy(update={"stage": "proposal"})
    assert (
        fold(
            same,
            event_type="crm.deal.updated",
            snapshot=DealSnapshot.model_validate({**_snap(d1), "version": d1.version}),
        )
        is None
    )


def _snap(f: DealFact) -> dict[str, Any]:
    return {
        "id": f.id,
        "customer_id": "c",
        "name": "n",
        "pipeline_id": f.pipeline_id,
        "stage": f.stage,
        "stage_probability": f.probability,
        "status": f.status,
        "amount": f.amount,
        "currency": f.currency,
        "stage_entered_at": f.stage_entered_at,
        "created_at": f.created_at,
        "updated_at": f.created_at,
        "version": f.version,
    }


def test_funnel_of_march_by_hand(analytics_scenario: Any) -> None:
    facts = [f for f in simulate(analytics_scenario).values() if f.created_at.month == 3]
    result = funnel(DEFAULT_PIPELINE, facts)
    rows = {r["stage"]: r for r in result["stages"]}
    assert {s: (r["reached"]["count"], r["reached"]["amount"]) for s, r in rows.items()} == {
        "initial_contact": (6, {"EUR": "7200.00", "USD": "1500.00"}),
        "qualification": (4, {"EUR": "6000.00", "USD": "1500.00"}),
        "proposal": (3, {"EUR": "4000.00", "USD": "1500.00"}),
        "negotiation": (2, {"EUR": "4000.00"}),
        "closed_won": (1, {"EUR": "1000.00"}),
        "closed_lost": (1, {"EUR": "2000.00"}),
    }
    assert {s: r["current"]["count"] for s, r in rows.items()} == {
        "initial_contact": 2,
        "qualification": 0,
        "proposal": 1,
        "negotiation": 1,
        "closed_won": 1,
        "closed_lost": 1,
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
    assert result["win_rate"] == 0.5
    assert result["avg_sales_cycle_days"] == 10.0
    assert result["deals"]["count"] == 6


def test_funnel_of_one_owner(analytics_scenario: Any) -> None:
    facts = [f for f in simulate(analytics_scenario).values() if f.created_at.month == 3 and f.owner_id == "bob"]
    result = funnel(DEFAULT_PIPELINE, facts)
    assert result["deals"] == {"count": 1, "amount": {"EUR": "700.00"}}
    assert result["win_rate"] is None
    assert result["avg_sales_cycle_days"] is None


def test_weighted_forecast_by_hand(analytics_scenario: Any) -> None:
    result = forecast(list(simulate(analytics_scenario).values()))
    assert result["months"] == [
        {
            "month": "2025-03",
            "currency": "EUR",
            "open_count": 0,
            "open_amount": "0.00",
            "weighted_amount": "0.00",
            "won_count": 2,
            "won_amount": "10999.00",
        },
        # D3 500 x 10% + D4 3000 x 75% + D7 700 x 10%
        {
            "month": "2025-04",
            "currency": "EUR",
            "open_count": 3,
            "open_amount": "4200.00",
            "weighted_amount": "2370.00",
            "won_count": 0,
            "won_amount": "0.00",
        },
        {
            "month": "2025-05",
            "currency": "USD",
            "open_count": 1,
            "open_amount": "1500.00",
            "weighted_amount": "750.00",
            "won_count": 0,
            "won_amount": "0.00",
        },
    ]
    assert result["totals"] == {
        "EUR": {"open_amount": "4200.00", "weighted_amount": "2370.00", "won_amount": "10999.00"},
        "USD": {"open_amount": "1500.00", "weighted_amount": "750.00", "won_amount": "0.00"},
    }
    april = forecast(list(simulate(analytics_scenario).values()), from_month="2025-04", to_month="2025-04")
    assert [m["month"] for m in april["months"]] == ["2025-04"]
