"""Sales analytics (pure): per-deal facts folded from deal events, the funnel and the
weighted forecast computed from them.

Funnel definitions (the ones the tests compute by hand):
- the cohort: deals of one pipeline (and owner/team) *created* in the period;
- a deal *reached* an open stage if it was ever in it or in a later open stage
  (stages are ordered; skipping one counts as passing it); a won deal reached every
  open stage; a lost deal reached what it reached before it was lost;
- conversion of an open stage = reached(next stage) / reached(stage), the stage after
  the last open one being *won*;
- win rate = won / (won + lost) of the cohort; average sales cycle = mean days from
  creation to close of the won deals; average time in a stage = total seconds spent
  in completed stays of that stage / number of such stays.
Amounts are per currency (never added across currencies).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from crm_shared.events import DealSnapshot
from pydantic import BaseModel, ConfigDict, Field

from crm_sales.domain.common import money_str, storable
from crm_sales.domain.pipeline import Pipeline

CENT = Decimal("0.01")


class DealFact(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    version: int
    pipeline_id: str
    owner_id: str | None = None
    team: str | None = None
    status: Literal["open", "won", "lost"]
    stage: str
    probability: int
    amount: Decimal
    currency: str
    created_at: datetime
    stage_entered_at: datetime
    closed_at: datetime | None = None
    expected_close_date: date | None = None
    stages_entered: list[str] = Field(default_factory=list)
    time_in_stage_s: dict[str, float] = Field(default_factory=dict)
    stays: dict[str, int] = Field(default_factory=dict)

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = storable(self.model_dump(exclude={"id"}))  # type: ignore[assignment]
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> DealFact:
        return cls.model_validate({**doc, "id": doc["_id"]})


def fold(
    fact: DealFact | None,
    *,
    event_type: str,
    snapshot: DealSnapshot,
    from_stage: str | None = None,
    time_in_previous_stage_s: float | None = None,
) -> DealFact | None:
    """The fact after one deal event; None if the event is not newer than the fact."""
    if fact is not None and snapshot.version <= fact.version:
        return None
    entered = list(fact.stages_entered) if fact else []
    spent = dict(fact.time_in_stage_s) if fact else {}
    stays = dict(fact.stays) if fact else {}
    left: str | None = None
    seconds = 0.0
    if event_type == "crm.deal.stage_changed" and from_stage is not None:
        left, seconds = from_stage, float(time_in_previous_stage_s or 0.0)
    elif event_type in ("crm.deal.won", "crm.deal.lost") and fact is not None and fact.stage != snapshot.stage:
        left = fact.stage
        seconds = max((snapshot.stage_entered_at - fact.stage_entered_at).total_seconds(), 0.0)
    if left is not None:
        spent[left] = spent.get(left, 0.0) + seconds
        stays[left] = stays.get(left, 0) + 1
        if left not in entered:
            entered.append(left)
    if snapshot.stage not in entered:
        entered.append(snapshot.stage)
    return DealFact(
        id=snapshot.id,
        version=snapshot.version,
        pipeline_id=snapshot.pipeline_id,
        owner_id=snapshot.owner_id,
        team=snapshot.team,
        status=snapshot.status,
        stage=snapshot.stage,
        probability=snapshot.stage_probability,
        amount=snapshot.amount,
        currency=snapshot.currency,
        created_at=snapshot.created_at,
        stage_entered_at=snapshot.stage_entered_at,
        closed_at=snapshot.stage_entered_at if snapshot.status != "open" else None,
        expected_close_date=snapshot.expected_close_date,
        stages_entered=entered,
        time_in_stage_s=spent,
        stays=stays,
    )


def _amounts(facts: Iterable[DealFact]) -> dict[str, str]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for f in facts:
        sums[f.currency] += f.amount
    return {c: money_str(v) for c, v in sorted(sums.items())}


def _bucket(facts: list[DealFact]) -> dict[str, Any]:
    return {"count": len(facts), "amount": _amounts(facts)}


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _furthest(pipeline: Pipeline, fact: DealFact) -> int:
    if fact.status == "won":
        return len(pipeline.open_stages)
    return max((pipeline.open_index(s) for s in fact.stages_entered), default=-1)


def funnel(pipeline: Pipeline, facts: list[DealFact]) -> dict[str, Any]:
    open_ids = [s.id for s in pipeline.open_stages]
    furthest = {f.id: _furthest(pipeline, f) for f in facts}
    won = [f for f in facts if f.status == "won"]
    lost = [f for f in facts if f.status == "lost"]
    reached: dict[str, list[DealFact]] = {
        sid: [f for f in facts if furthest[f.id] >= i] for i, sid in enumerate(open_ids)
    }
    reached[pipeline.won_stage.id] = won
    reached[pipeline.lost_stage.id] = lost
    rows = []
    for stage in pipeline.stages:
        row: dict[str, Any] = {
            "stage": stage.id,
            "name": stage.name,
            "kind": stage.kind,
            "probability": stage.probability,
            "reached": _bucket(reached[stage.id]),
            "current": _bucket([f for f in facts if f.stage == stage.id]),
        }
        if stage.kind == "open":
            i = open_ids.index(stage.id)
            nxt = open_ids[i + 1] if i + 1 < len(open_ids) else pipeline.won_stage.id
            row["conversion_to_next"] = _ratio(len(reached[nxt]), len(reached[stage.id]))
            stays = sum(f.stays.get(stage.id, 0) for f in facts)
            total = sum(f.time_in_stage_s.get(stage.id, 0.0) for f in facts)
            row["avg_time_in_stage_s"] = round(total / stays, 3) if stays else None
        rows.append(row)
    cycles = [(f.closed_at - f.created_at).total_seconds() / 86400 for f in won if f.closed_at]
    return {
        "pipeline_id": pipeline.id,
        "deals": _bucket(facts),
        "stages": rows,
        "won": _bucket(won),
        "lost": _bucket(lost),
        "open": _bucket([f for f in facts if f.status == "open"]),
        "win_rate": _ratio(len(won), len(won) + len(lost)),
        "avg_sales_cycle_days": round(sum(cycles) / len(cycles), 4) if cycles else None,
    }


UNSCHEDULED = "unscheduled"


def _month(d: date | datetime) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def forecast(facts: list[DealFact], *, from_month: str | None = None, to_month: str | None = None) -> dict[str, Any]:
    """Open deals by expected-close month (amount and amount x probability) and won
    deals by the month they closed, per currency."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(month: str, currency: str) -> dict[str, Any]:
        return rows.setdefault(
            (month, currency),
            {
                "month": month,
                "currency": currency,
                "open_count": 0,
                "open_amount": Decimal(0),
                "weighted_amount": Decimal(0),
                "won_count": 0,
                "won_amount": Decimal(0),
            },
        )

    def in_range(month: str) -> bool:
        if month == UNSCHEDULED:
            return from_month is None and to_month is None
        return (from_month is None or month >= from_month) and (to_month is None or month <= to_month)

    for f in facts:
        if f.status == "open":
            month = _month(f.expected_close_date) if f.expected_close_date else UNSCHEDULED
            if in_range(month):
                r = row(month, f.currency)
                r["open_count"] += 1
                r["open_amount"] += f.amount
                r["weighted_amount"] += f.amount * f.probability / 100
        elif f.status == "won" and f.closed_at is not None and in_range(_month(f.closed_at)):
            r = row(_month(f.closed_at), f.currency)
            r["won_count"] += 1
            r["won_amount"] += f.amount
    ordered = sorted(rows.values(), key=lambda r: (r["month"] == UNSCHEDULED, r["month"], r["currency"]))
    totals: dict[str, dict[str, Any]] = {}
    for r in ordered:
        t = totals.setdefault(
            r["currency"], {"open_amount": Decimal(0), "weighted_amount": Decimal(0), "won_amount": Decimal(0)}
        )
        for k in t:
            t[k] += r[k]
    money = ("open_amount", "weighted_amount", "won_amount")
    return {
        "months": [{**r, **{k: money_str(r[k].quantize(CENT, ROUND_HALF_UP)) for k in money}} for r in ordered],
        "totals": {
            c: {k: money_str(v.quantize(CENT, ROUND_HALF_UP)) for k, v in t.items()} for c, t in sorted(totals.items())
        },
    }
