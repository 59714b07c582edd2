"""Targets (quotas) and the forecast against them (pure).

A target is set by an admin per owner or team, period (month, quarter or year) and
currency. The forecast for a period, per currency:
- ``won``: closed won in the period (actual);
- ``commit``: won + the weighted amount of open deals expected to close in the period;
- ``best_case``: won + the whole amount of those open deals;
- ``historical``: won + those open amounts x the historical win rate (all closed deals
  the caller may see, every period): the forecast from past results beside the
  weighted one (per-stage historical rates wait for per-deal paths);
- ``target`` and ``attainment`` (won / target) when targets match the filter.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from crm_shared.errors import ValidationFailed

from crm_insights.domain.deals import minor_units
from crm_insights.domain.figures import money, period_matches, ratio

Kind = Literal["owner", "team"]
PERIOD = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$")


@dataclass(frozen=True)
class Target:
    kind: Kind
    who: str
    period: str
    currency: str
    amount: int  # hundredths

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.who}|{self.period}|{self.currency}"

    def doc(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "who": self.who,
            "period": self.period,
            "currency": self.currency,
            "amount": self.amount,
        }

    def public(self) -> dict[str, Any]:
        return {**self.doc(), "amount": money(self.amount)}


def target(*, kind: Kind, who: str, period: str, currency: str, amount: Decimal) -> Target:
    if not PERIOD.match(period):
        raise ValidationFailed("period must be a year (2026), a month (2026-03) or a quarter (2026-Q1)")
    if amount < 0:
        raise ValidationFailed("a target is not negative")
    return Target(kind=kind, who=who, period=period, currency=currency.upper(), amount=minor_units(amount))


def target_of(doc: Mapping[str, Any]) -> Target:
    return Target(doc["kind"], doc["who"], doc["period"], doc["currency"], int(doc["amount"]))


def forecast(
    *, period: str, stage_buckets: Iterable[Mapping[str, Any]], targets: Iterable[Target]
) -> list[dict[str, Any]]:
    won: dict[str, int] = defaultdict(int)
    weighted: dict[str, int] = defaultdict(int)  # hundredths x percent
    best: dict[str, int] = defaultdict(int)
    closed_won = closed = 0
    for b in stage_buckets:
        cur, here = b["currency"], period_matches(str(b.get("period", "")), period)
        if b["status"] != "open":
            closed += b.get("n", 0)
            closed_won += b.get("n", 0) if b["status"] == "won" else 0
            if here and b["status"] == "won":
                won[cur] += b.get("amount", 0)
        elif here:
            weighted[cur] += b.get("weighted", 0)
            best[cur] += b.get("amount", 0)
    rate = ratio(closed_won, closed)
    quota: dict[str, int] = defaultdict(int)
    for t in targets:
        quota[t.currency] += t.amount
    out = []
    for cur in sorted(won.keys() | best.keys() | quota.keys()):
        historical = Decimal(won[cur]) + Decimal(best[cur]) * Decimal(str(rate)) if rate is not None else None
        out.append(
            {
                "currency": cur,
                "won": money(won[cur]),
                "commit": money(Decimal(won[cur]) + Decimal(weighted[cur]) / 100),
                "best_case": money(won[cur] + best[cur]),
                "historical": money(historical) if historical is not None else None,
                "historical_win_rate": rate,
                "target": money(quota[cur]) if cur in quota else None,
                "attainment": ratio(won[cur], quota[cur]) if quota.get(cur) else None,
            }
        )
    return out
