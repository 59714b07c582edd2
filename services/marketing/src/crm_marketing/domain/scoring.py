"""Lead scoring: point rules over a lead's attributes and behaviour, and the threshold at
which a lead is marketing-qualified and handed to sales' assignment rules.

Rules reuse segment conditions (``source``, ``industry``, ``region``, ``has_email``,
``has_company``, ``form_submissions``, ...). The score is the sum of the matching rules'
points, clamped to 0-100 (sales' range). Behaviour points (rules reading
``form_submissions``) decay with ``half_life_days`` since the lead's last submission.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from crm_marketing.domain.conditions import Group, fields_of, matches

BEHAVIOUR = frozenset({"form_submissions"})


class ScoreRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,39}$")
    conditions: Group
    points: int = Field(ge=-100, le=100)


class ScoringIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[ScoreRule] = Field(default_factory=list, max_length=200)
    threshold: int = Field(default=50, ge=1, le=100, description="Marketing-qualified at this score.")
    half_life_days: float | None = Field(default=30.0, gt=0, description="Behaviour points halve this often.")


def lead_profile(lead: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": lead.get("source"),
        "industry": lead.get("industry"),
        "region": lead.get("region"),
        "status": lead.get("status"),
        "has_email": bool(lead.get("email")),
        "has_company": bool(lead.get("company_name")),
        "form_submissions": int(facts.get("form_submissions", 0)),
    }


def score(config: ScoringIn, profile: dict[str, Any], *, now: datetime, last_activity: datetime | None) -> int:
    total = 0.0
    for rule in config.rules:
        if not matches(rule.conditions, profile):
            continue
        points = float(rule.points)
        if fields_of(rule.conditions) & BEHAVIOUR and config.half_life_days and last_activity is not None:
            days = max(0.0, (now - last_activity).total_seconds() / 86400)
            points *= 0.5 ** (days / config.half_life_days)
        total += points
    return max(0, min(100, round(total)))
