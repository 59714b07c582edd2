"""What notifications reads from a business event: who owns the record, its group,
the opt-out category, the facts worth showing, and a link to the console."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from crm_shared.events import CloudEvent

_CATEGORY_OVERRIDES = {
    "crm.ticket.sla_warning": "sla",
    "crm.ticket.sla_breached": "sla",
    "crm.deal.follow_up_due": "follow_up",
}
_PATHS = {"customer": "customers", "lead": "leads", "deal": "deals", "ticket": "tickets"}


def aggregate_of(event_type: str) -> str:
    """``crm.deal.won`` -> ``deal``."""
    parts = event_type.split(".")
    return parts[1] if len(parts) > 2 else "other"


def category_of(event_type: str) -> str:
    """The opt-out category: ``sla``, ``follow_up``, else the aggregate (``deal``, ...)."""
    return _CATEGORY_OVERRIDES.get(event_type, aggregate_of(event_type))


def snapshot(data: dict[str, Any]) -> dict[str, Any]:
    snap = data.get("snapshot")
    return snap if isinstance(snap, dict) else {}


def owner_id(data: dict[str, Any]) -> str | None:
    value = snapshot(data).get("owner_id")
    return str(value) if value else None


def assignee_id(data: dict[str, Any]) -> str | None:
    value = snapshot(data).get("assignee_id")
    return str(value) if value else None


def group_of(data: dict[str, Any]) -> str | None:
    """A ticket's support group, or a deal's or lead's sales team."""
    snap = snapshot(data)
    value = snap.get("group") or snap.get("team")
    return str(value) if value else None


def money(amount: Any, currency: str | None = None) -> str:
    """``"51750.00", "EUR"`` -> ``51,750.00 EUR`` (decimal, never float)."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    text = f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def _humanise(value: Any) -> str:
    return str(value).replace("_", " ")


def facts(event: CloudEvent) -> list[tuple[str, str]]:
    """Label/value pairs worth showing next to the message (chat fields, e-mail table)."""
    snap = snapshot(event.data)
    out: list[tuple[str, str]] = []
    kind = aggregate_of(event.type)
    if kind == "deal":
        if snap.get("amount") is not None:
            out.append(("Amount", money(snap.get("amount"), snap.get("currency"))))
        out += [("Stage", _humanise(snap.get("stage", ""))), ("Status", _humanise(snap.get("status", "")))]
        if snap.get("team"):
            out.append(("Team", str(snap["team"])))
    elif kind == "ticket":
        out += [("Priority", _humanise(snap.get("priority", ""))), ("Status", _humanise(snap.get("status", "")))]
        if snap.get("group"):
            out.append(("Group", str(snap["group"])))
        for key in ("due_at", "breached_at"):
            if event.data.get(key):
                out.append((_humanise(key).capitalize(), str(event.data[key])))
    elif kind == "lead":
        out += [("Score", str(snap.get("score", ""))), ("Status", _humanise(snap.get("status", "")))]
        if snap.get("company_name"):
            out.append(("Company", str(snap["company_name"])))
    elif kind == "customer" and snap:
        out += [("Stage", _humanise(snap.get("lifecycle_stage", "")))]
        if snap.get("tier"):
            out.append(("Tier", str(snap["tier"])))
    return [(k, v) for k, v in out if v]


def link(event: CloudEvent, console_url: str | None) -> str | None:
    """Where to open the record in the console, when one is configured."""
    path = _PATHS.get(aggregate_of(event.type))
    if not console_url or path is None or event.type == "crm.customer.erased":
        return None
    return f"{console_url.rstrip('/')}/{path}/{event.subject}"
