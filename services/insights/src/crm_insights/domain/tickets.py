"""What one ticket contributes to the service read models (pure: no I/O).

Buckets (JSON-array ids like the deals'):
- ``ticket``: (priority, group, channel, period = month the ticket was opened, agent =
  the snapshot's assignee, empty when unassigned): ``n``;
  ``open`` and ``open_since_s`` (sum of opening times, epoch seconds, of the tickets
  still open: backlog age = now - open_since_s / open, exact without a clock here);
  ``fr_n``/``fr_s`` (first responses and seconds to them); ``res_n``/``res_s`` (solved or
  closed, seconds from opening); ``fr_due``/``res_due`` (tickets with that SLA target)
  and ``fr_breached``/``res_breached``;
- ``csat``: (priority, group, channel, period = month of the rating, agent): ``n``, ``sum`` of
  the latest rating of each ticket.
Applied like deals: newest snapshot wins, the latest rating by version; a duplicate
changes nothing; a late event lands in its own months (from the data).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from crm_shared.events import EventData, TicketCsatRecorded, TicketSnapshot

from crm_insights.domain.deals import Contribution, bucket_id, month, parse_bucket_id

KIND: str = "ticket"
TYPES: tuple[str, ...] = (
    "crm.ticket.opened", "crm.ticket.updated", "crm.ticket.assigned", "crm.ticket.status_changed",
    "crm.ticket.commented", "crm.ticket.sla_breached", "crm.ticket.resolved", "crm.ticket.closed",
    "crm.ticket.reopened", "crm.ticket.csat_recorded",
)  # fmt: skip
DIMS = ("priority", "group", "channel", "period", "agent")
FIELDS = ("priority", "group", "channel", "status", "created_at", "first_response_at", "solved_at", "closed_at",
          "assignee_id")  # fmt: skip


@dataclass(frozen=True)
class TicketState:
    version: int = 0
    rev: int = 0
    facts: dict[str, Any] | None = None
    breaches: tuple[str, ...] = ()
    dues: tuple[str, ...] = ()
    rating: tuple[int, int, datetime] | None = None
    """(version, rating, when) of the latest rating."""
    contribution: Contribution = field(default_factory=dict)


def _seconds(later: datetime | None, earlier: datetime) -> int | None:
    return None if later is None else max(0, int((later - earlier).total_seconds()))


def advance(state: TicketState, data: EventData) -> TicketState | None:
    snap: TicketSnapshot = data.snapshot  # type: ignore[attr-defined]
    rating = state.rating
    if isinstance(data, TicketCsatRecorded) and (rating is None or snap.version > rating[0]):
        rating = (snap.version, data.rating, snap.updated_at)
    newer = snap.version > state.version
    if not newer and rating == state.rating:
        return None
    if not newer:
        return replace(state, rating=rating)
    facts = {name: getattr(snap, name) for name in FIELDS}
    facts["group"] = facts["group"] or ""
    dues = tuple(t for t, due in (("fr", snap.first_response_due_at), ("res", snap.resolution_due_at)) if due)
    breaches = tuple(sorted({"fr" if b == "first_response" else "res" for b in snap.sla_breaches}))
    return replace(state, version=snap.version, facts=facts, breaches=breaches, dues=dues, rating=rating)


def contribution(state: TicketState) -> Contribution:
    out: Contribution = {}
    f = state.facts
    if f is not None:
        opened: datetime = f["created_at"]
        agent = f.get("assignee_id") or ""  # the snapshot's assignee (the ticket's agent now)
        key = bucket_id("ticket", f["priority"], f["group"], f["channel"], month(opened), agent)
        is_open = f["status"] not in ("solved", "closed")
        counters = {"n": 1, "open": int(is_open), "open_since_s": int(opened.timestamp()) if is_open else 0}
        first = _seconds(f["first_response_at"], opened)
        done = _seconds(f["solved_at"] or f["closed_at"], opened) if not is_open else None
        counters.update(fr_n=int(first is not None), fr_s=first or 0, res_n=int(done is not None), res_s=done or 0)
        for target in ("fr", "res"):
            counters[f"{target}_due"] = int(target in state.dues)
            counters[f"{target}_breached"] = int(target in state.breaches)
        out[key] = {k: v for k, v in counters.items() if v}
        if state.rating is not None:
            _, stars, at = state.rating
            out[bucket_id("csat", f["priority"], f["group"], f["channel"], month(at), agent)] = {"n": 1, "sum": stars}
    return out


def committed(advanced: TicketState, *, rev: int, contribution: Contribution) -> TicketState:
    return replace(advanced, rev=rev, contribution=contribution)


def dims_of(bucket: str) -> dict[str, str]:
    kind, *values = parse_bucket_id(bucket)
    return {"kind": kind, **dict(zip(DIMS, values, strict=True))}


def _utc(value: Any) -> Any:
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


def state_doc(state: TicketState) -> dict[str, Any]:
    return {
        "version": state.version,
        "rev": state.rev,
        "facts": state.facts,
        "breaches": list(state.breaches),
        "dues": list(state.dues),
        "rating": {"version": state.rating[0], "stars": state.rating[1], "at": state.rating[2]}
        if state.rating
        else None,
        "contribution": [{"bucket": k, "counters": v} for k, v in state.contribution.items()],
    }


def state_of(doc: dict[str, Any] | None) -> TicketState:
    if doc is None:
        return TicketState()
    r = doc.get("rating")
    return TicketState(
        version=int(doc["version"]),
        rev=int(doc["rev"]),
        facts={k: _utc(v) for k, v in doc["facts"].items()} if doc.get("facts") else None,
        breaches=tuple(doc.get("breaches") or ()),
        dues=tuple(doc.get("dues") or ()),
        rating=(int(r["version"]), int(r["stars"]), _utc(r["at"])) if r else None,
        contribution={c["bucket"]: dict(c["counters"]) for c in doc["contribution"]},
    )
