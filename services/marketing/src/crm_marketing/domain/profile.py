"""A customer's marketing profile: what segment conditions and campaigns need, no more.

Built from three replicas, each written by one consumer so they never race: the
customer's attributes (``crm.customer``), their deals' states (``crm.deal``) and their
tickets' states (``crm.ticket``). Facts are counted from per-record states (not
incremented), so a redelivered event changes nothing.
"""

from __future__ import annotations

from typing import Any

from crm_shared.events import CustomerSnapshot, DealSnapshot, TicketSnapshot

OPEN_TICKET = frozenset({"new", "open", "pending", "on_hold"})


def attributes(snapshot: CustomerSnapshot) -> dict[str, Any]:
    """The customer's fields a segment may ask about, plus the address a campaign mails.

    Names, phones and the postal address are not copied (data minimisation); the first
    name is, for the greeting of a personalised e-mail."""
    return {
        "kind": snapshot.kind,
        "lifecycle_stage": snapshot.lifecycle_stage,
        "region": snapshot.region,
        "industry": snapshot.industry,
        "tier": snapshot.tier,
        "segment": snapshot.segment,
        "country": snapshot.address.country if snapshot.address else None,
        "tags": list(snapshot.tags),
        "custom": dict(snapshot.custom_fields),
        "consent": {channel: c.granted for channel, c in snapshot.consent.items()},
        "consent_detail": {
            channel: {"granted": c.granted, "at": c.at.isoformat(), "source": c.source}
            for channel, c in snapshot.consent.items()
        },
        "email": snapshot.emails[0] if snapshot.emails else None,
        "has_email": bool(snapshot.emails),
        "first_name": snapshot.first_name,
        "archived": snapshot.archived,
    }


def deal_state(snapshot: DealSnapshot) -> dict[str, Any]:
    return {"status": snapshot.status, "version": snapshot.version}


def ticket_state(snapshot: TicketSnapshot) -> dict[str, Any]:
    return {"status": snapshot.status, "breaches": len(snapshot.sla_breaches), "version": snapshot.version}


def facts(deals: dict[str, Any], tickets: dict[str, Any]) -> dict[str, int]:
    statuses = [d.get("status") for d in deals.values()]
    return {
        "deals_won": statuses.count("won"),
        "deals_lost": statuses.count("lost"),
        "deals_open": statuses.count("open"),
        "tickets": len(tickets),
        "open_tickets": sum(1 for t in tickets.values() if t.get("status") in OPEN_TICKET),
        "sla_breaches": sum(int(t.get("breaches", 0)) for t in tickets.values()),
    }


def profile(attrs: dict[str, Any] | None, deals: dict[str, Any], tickets: dict[str, Any]) -> dict[str, Any]:
    """What conditions read: attributes (empty before the customer is known) and facts."""
    return {**(attrs or {}), **facts(deals, tickets), "score": int((attrs or {}).get("score", 0))}
