"""Forecast categories, historical stage-to-win rates and the forecast's backtest (pure).

**Categories** (pipeline, best case, commit, closed, omitted), as CRMs that forecast
by category use them: a won deal is ``closed``, a lost one ``omitted``; an open deal
takes its owner's override (the deal's ``forecast_category``, a sales field: the owner
decides, sales owns it) or else its stage's: probability >= 80 % ``commit``, >= 50 %
``best_case``, else ``pipeline``. Roll-ups for a period: commit = closed + commit;
best case = commit + best case (``omitted`` is out of every roll-up).

**Stage-to-win rates**: each closed deal counts once for every open stage it was seen
in (``reach`` buckets: ``n`` deals, ``won`` of them won, by the close month); the rate
of a stage = won / n. The historical forecast of a period = won + the open amount
expected in it x its stage's rate (the stage's probability where it has no history).

**Backtest** of a past month P: the deals closed in P that were open at P's start
(created before it) are counted in their stage at P's start (``start`` buckets: the
last open stay entered by then, its probability, amount, and the amount won). The
weighted forecast at P's start = amount x that probability; the historical one =
amount x that stage's rate from the deals closed *before* P only; each against what
those deals won (error = (forecast - actual) / actual). Deals that slipped out of P
(still open, or closed later) are not in its cohort: snapshots do not keep the history
of the expected close date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crm_insights.domain.figures import money, period_matches, ratio

if TYPE_CHECKING:
    from crm_insights.domain.deals import Contribution, DealFacts, Stay

CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
REACH_DIMS = ("pipeline_id", "stage", "owner", "team", "period")
START_DIMS = ("pipeline_id", "stage", "owner", "team", "currency", "period")


def category(status: str, probability: int, override: str | None) -> str:
    if status == "won":
        return "closed"
    if status == "lost":
        return "omitted"
    if override in CATEGORIES and override not in ("closed",):
        return override
    return "commit" if probability >= 80 else "best_case" if probability >= 50 else "pipeline"


def _month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def history(facts: DealFacts, stays: Sequence[Stay], bucket_id: Any) -> Contribution:
    """A closed deal's ``reach`` and ``start`` buckets (nothing for an open one)."""
    out: Contribution = {}
    if facts.status == "open" or facts.closed_at is None:
        return out
    period = f"{facts.closed_at:%Y-%m}"
    won = int(facts.status == "won")
    for stage in sorted({s.stage for s in stays if s.status == "open"}):
        out[bucket_id("reach", facts.pipeline_id, stage, facts.owner, facts.team, period)] = {"n": 1, "won": won}
    start = _month_start(facts.closed_at)
    if facts.created_at < start:
        before = [s for s in stays if s.status == "open" and s.entered_at <= start]
        if before:
            stay = max(before, key=lambda s: (s.entered_at, s.version))
            key = bucket_id("start", facts.pipeline_id, stay.stage, facts.owner, facts.team, facts.currency, period)
            out[key] = {"n": 1, "amount": facts.amount, "won_amount": facts.amount * won,
                        "weighted": facts.amount * stay.probability}  # fmt: skip
    return out


Rates = dict[tuple[str, str], tuple[int, int]]


def stage_rates(reach: Iterable[Mapping[str, Any]], *, before: str | None = None) -> Rates:
    """(pipeline, stage) -> (won, n) over the deals closed (before the month ``before``)."""
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for b in reach:
        if before is None or str(b["period"]) < before:
            row = acc[(b["pipeline_id"], b["stage"])]
            row[0] += b.get("won", 0)
            row[1] += b.get("n", 0)
    return {k: (w, n) for k, (w, n) in acc.items() if n}


def rate_of(rates: Rates, pipeline: str, stage: str, probability: Decimal) -> Decimal:
    won, n = rates.get((pipeline, stage), (0, 0))
    return Decimal(won) / n if n else probability / 100


def categories(stage_buckets: Iterable[Mapping[str, Any]], period: str) -> dict[str, dict[str, int]]:
    """currency -> category -> amount (hundredths) of the period's deals."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CATEGORIES, 0))
    for b in stage_buckets:
        if period_matches(str(b.get("period", "")), period):
            cat = b.get("category") or category(b["status"], 0, None)
            if b["status"] == "lost":
                cat = "omitted"
            out[b["currency"]][cat] += b.get("amount", 0)
    return out


def historical_open(stage_buckets: Iterable[Mapping[str, Any]], period: str, rates: Rates) -> dict[str, Decimal]:
    """currency -> open amount expected in the period x its stage's rate (hundredths)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for b in stage_buckets:
        if b["status"] == "open" and period_matches(str(b.get("period", "")), period) and b.get("amount"):
            probability = Decimal(b.get("weighted", 0)) / b["amount"]  # one probability per stage bucket
            out[b["currency"]] += b["amount"] * rate_of(rates, b["pipeline_id"], b["stage"], probability)
    return out


def backtest(
    start: Iterable[Mapping[str, Any]], reach: Sequence[Mapping[str, Any]], *, periods: int = 12
) -> dict[str, Any]:
    cohorts: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for b in start:
        cohorts[(str(b["period"]), b["currency"])].append(b)
    rows, errors = [], {"weighted": [], "historical": []}  # type: ignore[var-annotated]
    for period, cur in sorted(cohorts)[-periods:]:
        rates = stage_rates(reach, before=period)
        weighted = historical = Decimal(0)
        actual = n = 0
        for b in cohorts[(period, cur)]:
            amount = b.get("amount", 0)
            probability = Decimal(b.get("weighted", 0)) / amount if amount else Decimal(0)
            weighted += Decimal(b.get("weighted", 0)) / 100
            historical += amount * rate_of(rates, b["pipeline_id"], b["stage"], probability)
            actual += b.get("won_amount", 0)
            n += b.get("n", 0)
        if not n:
            continue
        row: dict[str, Any] = {"period": period, "currency": cur, "deals": n, "actual": money(actual),
                               "weighted": money(weighted), "historical": money(historical)}  # fmt: skip
        for name, value in (("weighted", weighted), ("historical", historical)):
            error = ratio(float(value - actual), actual)
            row[f"{name}_error"] = error
            if error is not None:
                errors[name].append(abs(error))
        rows.append(row)
    mean = {f"{k}_mean_abs_error": ratio(sum(v), len(v)) for k, v in errors.items()}
    return {"periods": rows, **mean}
