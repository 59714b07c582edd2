"""Reading the 360 view and the timeline (written by the worker, read by the API)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from crm_shared.errors import ValidationFailed

from crm_contacts.domain.permissions import Action, require
from crm_contacts.domain.view360 import deal_summary, ticket_summary
from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import ProjectionRepository, TimelineEntry
from crm_contacts.service.writer import Writer

TIMELINE_PAGE = 20


@dataclass(frozen=True)
class TimelinePage:
    items: list[TimelineEntry]
    next_cursor: str | None


def _cursor(entry: TimelineEntry) -> str:
    raw = orjson.dumps({"t": entry.time.isoformat(), "e": entry.event_id})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(data["t"]), str(data["e"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationFailed.field(["query", "cursor"], "not a cursor this API returned") from exc


def entry_json(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "event_id": entry.event_id,
        "time": entry.time.isoformat().replace("+00:00", "Z"),
        "type": entry.type,
        "summary": entry.summary,
        "actor": entry.event.get("actor"),
        "source": entry.event.get("source"),
        "subject": entry.event.get("subject"),
    }


class View360Service:
    def __init__(self, *, writer: Writer, projections: ProjectionRepository, page_size_max: int) -> None:
        self._w = writer
        self._p = projections
        self._max = page_size_max

    async def timeline(
        self, caller: Caller, customer_id: str, *, cursor: str | None = None, limit: int = TIMELINE_PAGE
    ) -> TimelinePage:
        require(caller.roles, Action.READ)
        await self._w.load(customer_id)
        if not 1 <= limit <= self._max:
            raise ValidationFailed.field(["query", "limit"], f"must be between 1 and {self._max}")
        items = await self._p.timeline(customer_id, before=_decode(cursor) if cursor else None, limit=limit + 1)
        more = len(items) > limit
        items = items[:limit]
        return TimelinePage(items, _cursor(items[-1]) if more and items else None)

    async def view(self, caller: Caller, customer_id: str) -> dict[str, Any]:
        customer = await self._w.load(customer_id)
        page = await self.timeline(caller, customer_id)
        summary = await self._p.summary(customer_id) or {}
        last = summary.get("last_activity_at")
        return {
            "customer": customer.public(),
            "deals": summary.get("deals") or deal_summary([]),
            "tickets": summary.get("tickets") or ticket_summary([]),
            "last_activity_at": last.isoformat().replace("+00:00", "Z") if isinstance(last, datetime) else None,
            "timeline": {"items": [entry_json(e) for e in page.items], "next_cursor": page.next_cursor},
        }

    async def replay(
        self, customer_ids: Sequence[str], last_event_id: str, *, limit: int = 500
    ) -> list[dict[str, Any]]:
        """Events about ``customer_ids`` recorded after ``last_event_id`` (SSE resume), oldest first."""
        seen = await self._p.timeline_entry(last_event_id)
        if seen is None:
            return []
        entries = await self._p.timeline_after(customer_ids, after=(seen.time, seen.event_id), limit=limit)
        return [e.event for e in entries]
