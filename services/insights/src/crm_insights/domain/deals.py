"""What one deal contributes to the pipeline read models (pure: no I/O).

Insights keeps, per deal, only what the figures need (no name, no customer data): its
current *facts* (from the newest snapshot) and its *stays* (each stage it was seen
in, from the first snapshot that showed it; the exits between stays are its *flows*,
so any order of the same events gives the same flows). From those, :func:`contribution` derives a map
``bucket id -> {field: integer}``; applying an event is the difference between the
deal's previous contribution and its new one (:func:`diff`), so a deal that moves,
changes amount or owner, or closes, is taken out of its old buckets and put into its
new ones: totals stay exact at any size, and are never summed over deals at read time.

Buckets (the dimensions are the bucket id, a JSON array):
- ``stage``: (pipeline, stage, status, owner, team, currency, period): ``n``, ``amount``
  (hundredths of the currency unit), ``weighted`` (amount x stage probability, in
  hundredths x percent), ``cycle_s`` (created to closed, closed deals only);
- ``flow``: (pipeline, from stage, to stage|``won``|``lost``, owner, team, period):
  ``n`` exits and ``time_s`` spent in the stage left.

Periods are calendar months (``YYYY-MM``) from the data, never from the time an event
is processed, so a late event lands in its own period: an open deal's is its expected
close month (``none`` without one), a closed deal's its close month, a flow's the month
of the move. Amounts are never added across currencies (one currency per bucket).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from crm_shared.events import DealSnapshot, EventData

from crm_insights.domain import forecast as fc

KIND: str = "deal"
TYPES: tuple[str, ...] = (
    "crm.deal.created",
    "crm.deal.updated",
    "crm.deal.stage_changed",
    "crm.deal.won",
    "crm.deal.lost",
)
STAGE_DIMS = ("pipeline_id", "stage", "status", "owner", "team", "currency", "period", "category", "source")
FLOW_DIMS = ("pipeline_id", "from_stage", "to_stage", "owner", "team", "period")
NO_PERIOD = "none"
Counters = dict[str, int]
Contribution = dict[str, Counters]


def minor_units(amount: Decimal) -> int:
    """Hundredths of the currency unit, exact for amounts with up to two decimals."""
    return int((amount * 100).to_integral_value())


def month(moment: date | datetime | None) -> str:
    if moment is None:
        return NO_PERIOD
    return f"{moment.year:04d}-{moment.month:02d}"


def bucket_id(kind: str, *dims: str) -> str:
    return json.dumps([kind, *dims], separators=(",", ":"))


def parse_bucket_id(bucket: str) -> list[str]:
    parts: list[str] = json.loads(bucket)
    return parts


def dims_of(bucket: str) -> dict[str, str]:
    kind, *values = parse_bucket_id(bucket)
    names = {"stage": STAGE_DIMS, "flow": FLOW_DIMS, "reach": fc.REACH_DIMS, "start": fc.START_DIMS}[kind]
    return {"kind": kind, **dict(zip(names, values, strict=True))}


@dataclass(frozen=True)
class DealFacts:
    pipeline_id: str
    stage: str
    status: str
    probability: int
    amount: int
    currency: str
    owner: str
    team: str
    created_at: datetime
    stage_entered_at: datetime
    expected_close: date | None
    closed_at: datetime | None
    category: str = "pipeline"
    """Forecast category (domain/forecast.py): the owner's override, else the stage's."""
    source: str = ""

    @property
    def period(self) -> str:
        return month(self.closed_at) if self.status != "open" else month(self.expected_close)


@dataclass(frozen=True)
class Stay:
    """One stay of the deal in a stage, as the first snapshot that showed it says."""

    version: int
    stage: str
    status: str
    entered_at: datetime
    owner: str
    team: str
    pipeline_id: str
    probability: int = 0

    @property
    def key(self) -> str:
        return f"{self.stage}|{self.entered_at.isoformat()}"


@dataclass(frozen=True)
class Flow:
    pipeline_id: str
    from_stage: str
    to_stage: str
    owner: str
    team: str
    at: datetime
    time_s: int


def flows(stays: Mapping[str, Stay]) -> list[Flow]:
    """Exits derived from the stays in version order: the same set of events gives the
    same flows in any order (a late middle version splits an exit in two)."""
    ordered = sorted(stays.values(), key=lambda s: s.version)
    out = []
    for left, entered in itertools.pairwise(ordered):
        to = entered.status if entered.status != "open" else entered.stage
        spent = max(0, int((entered.entered_at - left.entered_at).total_seconds()))
        out.append(Flow(entered.pipeline_id, left.stage, to, entered.owner, entered.team, entered.entered_at, spent))
    return out


@dataclass(frozen=True)
class DealState:
    version: int = 0
    rev: int = 0
    """Applications so far: the marker that makes a retried application idempotent."""
    facts: DealFacts | None = None
    stays: Mapping[str, Stay] = field(default_factory=dict)
    contribution: Contribution = field(default_factory=dict)


def _facts(snap: DealSnapshot, previous: DealFacts | None) -> DealFacts:
    closed_at = None
    if snap.status != "open":
        # The first snapshot seen closed dates the close; later edits do not move it.
        already = previous is not None and previous.status != "open" and previous.closed_at is not None
        closed_at = previous.closed_at if already and previous is not None else snap.updated_at
    return DealFacts(
        pipeline_id=snap.pipeline_id,
        stage=snap.stage,
        status=snap.status,
        probability=snap.stage_probability,
        amount=minor_units(snap.amount),
        currency=snap.currency,
        owner=snap.owner_id or "",
        team=snap.team or "",
        created_at=snap.created_at,
        stage_entered_at=snap.stage_entered_at,
        expected_close=snap.expected_close_date,
        closed_at=closed_at,
        category=fc.category(snap.status, snap.stage_probability, snap.forecast_category),
        source=snap.source or "",
    )


def _stay(snap: DealSnapshot) -> Stay:
    return Stay(
        snap.version, snap.stage, snap.status, snap.stage_entered_at, snap.owner_id or "", snap.team or "",
        snap.pipeline_id, snap.stage_probability,
    )  # fmt: skip


def advance(state: DealState, data: EventData) -> DealState | None:
    """The deal's state after ``data``, or None if it changes nothing (a duplicate, or an
    older version whose snapshot is superseded and whose stay we already know)."""
    snap: DealSnapshot = data.snapshot  # type: ignore[attr-defined]
    stays = dict(state.stays)
    stay = _stay(snap)
    known = stays.get(stay.key)
    if known is None or known.version > stay.version:
        stays[stay.key] = stay
    newer = snap.version > state.version
    if not newer and stays == state.stays:
        return None
    facts = _facts(snap, state.facts) if newer else state.facts
    return replace(state, version=max(snap.version, state.version), facts=facts, stays=stays)


def committed(advanced: DealState, *, rev: int, contribution: Contribution) -> DealState:
    return replace(advanced, rev=rev, contribution=contribution)


def contribution(state: DealState) -> Contribution:
    out: Contribution = {}
    f = state.facts
    if f is not None:
        counters = {"n": 1, "amount": f.amount, "weighted": f.amount * f.probability}
        if f.closed_at is not None:
            counters["cycle_s"] = max(0, int((f.closed_at - f.created_at).total_seconds()))
        key = bucket_id("stage", f.pipeline_id, f.stage, f.status, f.owner, f.team, f.currency, f.period, f.category,
                        f.source)  # fmt: skip
        out[key] = counters
        out.update(fc.history(f, list(state.stays.values()), bucket_id))
    for flow in flows(state.stays):
        key = bucket_id("flow", flow.pipeline_id, flow.from_stage, flow.to_stage, flow.owner, flow.team, month(flow.at))
        into = out.setdefault(key, {"n": 0, "time_s": 0})
        into["n"] += 1
        into["time_s"] += flow.time_s
    return out


def diff(old: Contribution, new: Contribution) -> dict[str, Counters]:
    """Per bucket, the increments that turn ``old`` into ``new`` (zero buckets left out)."""
    ops: dict[str, Counters] = {}
    for key in old.keys() | new.keys():
        before, after = old.get(key, {}), new.get(key, {})
        delta = {f: after.get(f, 0) - before.get(f, 0) for f in before.keys() | after.keys()}
        delta = {f: d for f, d in delta.items() if d}
        if delta:
            ops[key] = delta
    return ops


# -- storage shape (the adapters keep these documents as they are) -----------------


def _facts_doc(f: DealFacts) -> dict[str, Any]:
    return {
        "pipeline_id": f.pipeline_id,
        "stage": f.stage,
        "status": f.status,
        "probability": f.probability,
        "amount": f.amount,
        "currency": f.currency,
        "owner": f.owner,
        "team": f.team,
        "created_at": f.created_at,
        "stage_entered_at": f.stage_entered_at,
        "expected_close": f.expected_close.isoformat() if f.expected_close else None,
        "closed_at": f.closed_at,
        "category": f.category,
        "source": f.source,
    }


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _facts_of(doc: dict[str, Any]) -> DealFacts:
    expected = doc.get("expected_close")
    return DealFacts(
        pipeline_id=doc["pipeline_id"],
        stage=doc["stage"],
        status=doc["status"],
        probability=int(doc["probability"]),
        amount=int(doc["amount"]),
        currency=doc["currency"],
        owner=doc["owner"],
        team=doc["team"],
        created_at=_utc(doc["created_at"]),  # type: ignore[arg-type]
        stage_entered_at=_utc(doc["stage_entered_at"]),  # type: ignore[arg-type]
        expected_close=date.fromisoformat(expected) if expected else None,
        closed_at=_utc(doc.get("closed_at")),
        category=doc.get("category") or fc.category(doc["status"], int(doc["probability"]), None),
        source=doc.get("source") or "",
    )


def state_doc(state: DealState) -> dict[str, Any]:
    return {
        "version": state.version,
        "rev": state.rev,
        "facts": _facts_doc(state.facts) if state.facts else None,
        "stays": [_stay_row(v) for v in state.stays.values()],
        # Lists of documents: the local store keeps no nested arrays, and bucket ids are
        # not field names (they may hold dots).
        "contribution": [{"bucket": k, "counters": v} for k, v in state.contribution.items()],
    }


def _stay_row(s: Stay) -> dict[str, Any]:
    return {
        "version": s.version, "stage": s.stage, "status": s.status, "entered_at": s.entered_at, "owner": s.owner,
        "team": s.team, "pipeline_id": s.pipeline_id, "probability": s.probability,
    }  # fmt: skip


def state_of(doc: dict[str, Any] | None) -> DealState:
    if doc is None:
        return DealState()
    stays = [Stay(**{**r, "version": int(r["version"]), "entered_at": _utc(r["entered_at"])}) for r in doc["stays"]]
    return DealState(
        version=int(doc["version"]),
        rev=int(doc["rev"]),
        facts=_facts_of(doc["facts"]) if doc.get("facts") else None,
        stays={s.key: s for s in stays},
        contribution={c["bucket"]: dict(c["counters"]) for c in doc["contribution"]},
    )
