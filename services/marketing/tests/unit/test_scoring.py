"""Lead scores: matching rules' points, clamped to 0-100, behaviour points decaying."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_marketing.domain.scoring import ScoringIn, lead_profile, score

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def rule(rule_id: str, points: int, field: str, op: str, value: object) -> dict[str, object]:
    return {"id": rule_id, "points": points, "conditions": {"conditions": [{"field": field, "op": op, "value": value}]}}


CONFIG = ScoringIn.model_validate(
    {
        "threshold": 50,
        "half_life_days": 10,
        "rules": [
            rule("form", 40, "form_submissions", "gte", 1),
            rule("software", 30, "industry", "eq", "software"),
            rule("no-company", -20, "has_company", "eq", False),
        ],
    }
)


def test_points_add_up_and_clamp() -> None:
    lead = {"industry": "software", "company_name": "Acme", "email": "a@x.io"}
    assert score(CONFIG, lead_profile(lead, {"form_submissions": 1}), now=NOW, last_activity=NOW) == 70
    assert score(CONFIG, lead_profile({}, {}), now=NOW, last_activity=None) == 0  # -20 clamps to 0


def test_behaviour_points_halve_every_half_life() -> None:
    lead = {"industry": "software", "company_name": "Acme"}
    ten_days_ago = NOW - timedelta(days=10)
    assert score(CONFIG, lead_profile(lead, {"form_submissions": 1}), now=NOW, last_activity=ten_days_ago) == 50
