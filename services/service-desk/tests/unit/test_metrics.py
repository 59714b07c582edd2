"""Percentiles and the report on hand-computed numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crm_service_desk.domain.metrics import TicketFact, percentile, period_key, report

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == 46.0


def test_period_keys() -> None:
    at = datetime(2025, 3, 2, 23, 30, tzinfo=UTC)  # Sunday in UTC, Monday in Berlin
    assert period_key(at, "day", ZoneInfo("UTC")) == "2025-03-02"
    assert period_key(at, "day", ZoneInfo("Europe/Berlin")) == "2025-03-03"
    assert period_key(at, "week", ZoneInfo("UTC")) == "2025-W09"
    assert period_key(at, "month", ZoneInfo("UTC")) == "2025-03"


def test_report() -> None:
    def fact(i: int, **kw: object) -> TicketFact:
        return TicketFact.model_validate(
            {"id": f"t{i}", "priority": "normal", "status": "open", "created_at": T0, **kw}
        )

    facts = [
        fact(
            1,
            group="a",
            assignee_id="x",
            status="solved",
            first_response_at=T0 + timedelta(minutes=10),
            solved_at=T0 + timedelta(hours=1),
            has_sla=True,
            csat_rating=5,
        ),
        fact(
            2,
            group="a",
            assignee_id="y",
            status="closed",
            first_response_at=T0 + timedelta(minutes=30),
            solved_at=T0 + timedelta(hours=3),
            has_sla=True,
            sla_breaches=["resolution"],
            csat_rating=2,
        ),
        fact(3, group="b", priority="urgent", first_response_at=T0 + timedelta(minutes=20), has_sla=True),
        fact(4, priority="high", status="pending", created_at=T0 + timedelta(days=7)),
    ]
    r = report(facts, period="week")
    o = r["overall"]
    assert o["tickets"] == 4
    assert o["first_response"] == {"count": 3, "p50_s": 1200.0, "p90_s": 1680.0}
    assert o["resolution"] == {"count": 2, "p50_s": 7200.0, "p90_s": 10080.0}
    assert o["sla"] == {"tickets": 3, "breached": 1, "breach_rate": 1 / 3}
    assert o["backlog"] == {"low": 0, "normal": 0, "high": 1, "urgent": 1}
    assert o["csat"] == {"count": 2, "average": 3.5}
    assert sorted(r["by_group"]) == ["(none)", "a", "b"]
    assert r["by_group"]["a"]["resolution"]["p50_s"] == 7200.0
    assert r["by_agent"]["x"]["first_response"]["count"] == 1
    assert list(r["by_period"]) == ["2025-W10", "2025-W11"]
