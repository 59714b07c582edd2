"""Targets (quotas) and the forecast against them (pure).

A target is set by an admin per owner or team, period (month, quarter or year) and
currency. The forecast for a period, per currency (definitions in domain/forecast.py):
- ``won``: closed won in the period (actual);
- ``categories``: the period's amounts per forecast category (closed, commit,
  best_case, pipeline, omitted);
- ``commit``: closed + commit; ``best_case``: commit + best case (the roll-ups);
- ``weighted``: won + the weighted amount of open deals expected to close in the period;
- ``historical``: won + those open amounts x their stage's historical stage-to-win
  rate (the deals the caller may see, closed in any period);
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

from crm_insights.domain import forecast as fc
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
    *, period: str, stage_buckets: Iterable[Mapping[str, Any]], targets: Iterable[Target], rates: fc.Rates
) -> list[dict[str, Any]]:
    buckets = list(stage_buckets)
    won: dict[str, int] = defaultdict(int)
    weighted: dict[str, int] = defaultdict(int)  # hundredths x percent
    for b in buckets:
        if period_matches(str(b.get("period", "")), period):
            if b["status"] == "won":
                won[b["currency"]] += b.get("amount", 0)
            elif b["status"] == "open":
                weighted[b["currency"]] += b.get("weighted", 0)
    by_category = fc.categories(buckets, period)
    historical = fc.historical_open(buckets, period, rates)
    quota: dict[str, int] = defaultdict(int)
    for t in targets:
        quota[t.currency] += t.amount
    out = []
    for cur in sorted(won.keys() | by_category.keys() | quota.keys()):
        cats = by_category.get(cur, dict.fromkeys(fc.CATEGORIES, 0))
        commit = cats["closed"] + cats["commit"]
        out.append(
            {
                "currency": cur,
                "won": money(won[cur]),
                "categories": {k: money(v) for k, v in cats.items()},
                "commit": money(commit),
                "best_case": money(commit + cats["best_case"]),
                "weighted": money(Decimal(won[cur]) + Decimal(weighted[cur]) / 100),
                "historical": money(Decimal(won[cur]) + historical.get(cur, Decimal(0))),
                "target": money(quota[cur]) if cur in quota else None,
                "attainment": ratio(won[cur], quota[cur]) if quota.get(cur) else None,
            }
        )
    return out
