"""Customer value and risk (pure): RFM, a simple CLV, and a churn-risk score with reasons.

Per customer insights keeps two documents, each written by one consumer only (the
deal and the ticket consumer of the customer's partition): the deals it closed
(id -> status, amount, currency, closed at) and its tickets (id -> SLA breaches, latest
rating). Both are keyed by deal or ticket id, so applying an event twice, or late,
gives the same document (the newest version of each deal or ticket wins).

- **RFM** (1-5 each, fixed thresholds, so a customer's score needs no other customer):
  recency = days since the last won deal (<= 30: 5, <= 90: 4, <= 180: 3, <= 365: 2, else 1);
  frequency = won deals (1..5, 5 for 5 or more); monetary = won amount in the main
  currency (< 1,000: 1, < 10,000: 2, < 50,000: 3, < 200,000: 4, else 5). Segment:
  `champion` (R, F >= 4), `loyal` (F >= 4), `at_risk` (R <= 2, F >= 2), `new` (F = 1,
  R >= 4), `hibernating` (R <= 2), else `regular`.
- **CLV** (documented simple model, not BG/NBD): historical value = won amount;
  predicted = average deal x deals per year (since the first win, at least one year) x
  ``lifetime_years`` (3) x (1 - churn risk). BG/NBD + Gamma-Gamma need a maintained
  library (e.g. ``lifetimes``, unmaintained since 2020; ``pymc-marketing`` pulls PyMC)
  and repeat-purchase histories most B2B customers do not have.
- **Churn risk** (0-1), the sum of weighted signals, each with its reason: SLA breaches
  in open or recent tickets (0.1 each, at most 0.3), latest CSAT <= 2 (0.25) or 3 (0.1),
  no won deal for 180+ days after having some (0.2), lost deals after the last win
  (0.15 each, at most 0.3).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crm_shared.events import DealSnapshot, TicketSnapshot

from crm_insights.domain.figures import money

DAY_S = 86_400
LIFETIME_YEARS = 3


def with_deal(doc: dict[str, Any] | None, snap: DealSnapshot) -> dict[str, Any] | None:
    """The customer's deal document after ``snap`` (None: nothing changes)."""
    deals: dict[str, Any] = dict((doc or {}).get("deals", {}))
    known = deals.get(snap.id)
    if known is not None and known["version"] >= snap.version:
        return None
    if snap.status == "open" and known is None:
        return None  # only closed deals count; an open one costs nothing here
    closed = known["closed_at"] if known and known["status"] == snap.status else snap.updated_at
    deals[snap.id] = {
        "version": snap.version, "status": snap.status, "amount": int(snap.amount * 100), "currency": snap.currency,
        "closed_at": closed,
    }  # fmt: skip
    return {"deals": deals}


def with_ticket(doc: dict[str, Any] | None, snap: TicketSnapshot, rating: int | None) -> dict[str, Any] | None:
    tickets: dict[str, Any] = dict((doc or {}).get("tickets", {}))
    known = tickets.get(snap.id)
    if known is not None and known["version"] >= snap.version:
        return None
    tickets[snap.id] = {
        "version": snap.version, "breaches": len(snap.sla_breaches),
        "open": snap.status not in ("solved", "closed"), "updated_at": snap.updated_at,
        "rating": rating if rating is not None else (known or {}).get("rating"),
        "rated_at": snap.updated_at if rating is not None else (known or {}).get("rated_at"),
    }  # fmt: skip
    return {"tickets": tickets}


def _score(value: float, steps: tuple[float, ...], *, descending: bool = False) -> int:
    for i, step in enumerate(steps):
        if (value <= step) if descending else (value < step):
            return 5 - i if descending else i + 1
    return 1 if descending else len(steps) + 1


def _aware(value: Any) -> Any:
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


def insights(deal_doc: dict[str, Any] | None, ticket_doc: dict[str, Any] | None, *, now: datetime) -> dict[str, Any]:
    deals = [{**d, "closed_at": _aware(d["closed_at"])} for d in (deal_doc or {}).get("deals", {}).values()]
    tickets = [{**t, "rated_at": _aware(t.get("rated_at"))} for t in (ticket_doc or {}).get("tickets", {}).values()]
    won = sorted((d for d in deals if d["status"] == "won"), key=lambda d: d["closed_at"])
    by_currency: dict[str, int] = defaultdict(int)
    for d in won:
        by_currency[d["currency"]] += d["amount"]
    main = max(by_currency, key=lambda c: by_currency[c]) if by_currency else None
    reasons: list[dict[str, Any]] = []
    rfm = segment = clv = None
    if won:
        days = (now - won[-1]["closed_at"]).total_seconds() / DAY_S
        r = _score(days, (30, 90, 180, 365), descending=True)
        f = min(5, len(won))
        m = _score(by_currency[main or ""] / 100, (1_000, 10_000, 50_000, 200_000))
        rfm = {"recency": r, "frequency": f, "monetary": m, "days_since_last_win": round(days, 1)}
        segment = _segment(r, f)
        if days >= 180:
            reasons.append({"signal": "idle", "weight": 0.2, "detail": f"no won deal for {int(days)} days"})
    last_win = won[-1]["closed_at"] if won else None
    lost_after = [d for d in deals if d["status"] == "lost" and (last_win is None or d["closed_at"] > last_win)]
    if lost_after and won:
        reasons.append({"signal": "lost_deals", "weight": min(0.3, 0.15 * len(lost_after)),
                        "detail": f"{len(lost_after)} lost since the last win"})  # fmt: skip
    breaches = sum(t["breaches"] for t in tickets)
    if breaches:
        reasons.append(
            {"signal": "sla_breaches", "weight": min(0.3, 0.1 * breaches), "detail": f"{breaches} SLA breaches"}
        )
    rated = sorted((t for t in tickets if t.get("rating") is not None), key=lambda t: t["rated_at"])
    if rated and rated[-1]["rating"] <= 3:
        stars = rated[-1]["rating"]
        reasons.append({"signal": "csat", "weight": 0.25 if stars <= 2 else 0.1, "detail": f"latest CSAT {stars}/5"})
    risk = round(min(1.0, sum(r["weight"] for r in reasons)), 2)
    if won and main is not None:
        mine = [d for d in won if d["currency"] == main]
        years = max(1.0, (now - mine[0]["closed_at"]).total_seconds() / (365 * DAY_S))
        average = Decimal(by_currency[main]) / len(mine) / 100
        predicted = average * Decimal(len(mine) / years) * LIFETIME_YEARS * Decimal(str(1 - risk))
        clv = {"currency": main, "historical": money(by_currency[main]), "predicted": money(predicted, 1),
               "model": f"average deal x deals per year x {LIFETIME_YEARS} years x (1 - churn risk)"}  # fmt: skip
    return {
        "won_deals": len(won),
        "won_amount": {c: money(v) for c, v in sorted(by_currency.items())},
        "first_won_month": f"{won[0]['closed_at']:%Y-%m}" if won else None,
        "rfm": rfm,
        "segment": segment,
        "clv": clv,
        "churn_risk": {"score": risk, "reasons": reasons},
        "open_tickets": sum(1 for t in tickets if t["open"]),
    }


def _segment(r: int, f: int) -> str:
    if r >= 4 and f >= 4:
        return "champion"
    if f >= 4:
        return "loyal"
    if r <= 2 and f >= 2:
        return "at_risk"
    if f == 1 and r >= 4:
        return "new"
    return "hibernating" if r <= 2 else "regular"
