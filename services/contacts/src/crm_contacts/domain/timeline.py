"""One line for humans per event on a customer's timeline."""

from __future__ import annotations

from typing import Any

from crm_shared.events.envelope import CloudEvent


def _snap(event: CloudEvent) -> dict[str, Any]:
    snapshot = event.data.get("snapshot")
    return snapshot if isinstance(snapshot, dict) else {}


def summarize(event: CloudEvent) -> str:
    d, s = event.data, _snap(event)
    kind = event.type.removeprefix("crm.")
    match event.type:
        case "crm.customer.created":
            return f"Customer {s.get('display_name', '')} created"
        case "crm.customer.updated":
            return f"Changed {', '.join(d.get('changed_fields', [])) or 'nothing'}"
        case "crm.customer.merged":
            return f"Merged {len(d.get('merged_ids', []))} duplicate(s) into this customer"
        case "crm.deal.created":
            return f"Deal {s.get('name')!r} opened ({s.get('amount')} {s.get('currency')})"
        case "crm.deal.stage_changed":
            return f"Deal {s.get('name')!r} moved {d.get('from_stage')} → {d.get('to_stage')}"
        case "crm.deal.won" | "crm.deal.lost":
            return f"Deal {s.get('name')!r} {s.get('status')} ({s.get('amount')} {s.get('currency')})"
        case "crm.quote.sent" | "crm.quote.accepted" | "crm.quote.declined" | "crm.quote.expired":
            verb = event.type.rsplit(".", 1)[1]
            return f"Quote {s.get('number')}-{s.get('revision')} {verb} ({s.get('total')} {s.get('currency')})"
        case "crm.ticket.opened":
            return f"Ticket {s.get('subject')!r} opened ({s.get('priority')})"
        case "crm.ticket.sla_breached":
            return f"Ticket {s.get('subject')!r} breached its {d.get('target')} SLA"
    if "subject" in s:
        return f"Ticket {s.get('subject')!r}: {kind.split('.', 1)[-1].replace('_', ' ')} ({s.get('status')})"
    if "name" in s:
        return f"Deal {s.get('name')!r}: {kind.split('.', 1)[-1].replace('_', ' ')}"
    return kind
