"""In-memory fakes of the dispatcher's ports (``service/ports.py``): its unit tests, no I/O.

They keep what the dispatcher relies on (a claim is once per id, a digest item once per
id, cancelling touches pending deliveries only) and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from crm_shared.events import CloudEvent

from crm_notifications.domain.delivery import Delivery
from crm_notifications.service.config_cache import ConfigView

V = TypeVar("V")


def _drop(items: dict[str, V], matches: Callable[[V], bool]) -> int:
    gone = [k for k, v in items.items() if matches(v)]
    for k in gone:
        del items[k]
    return len(gone)


@dataclass
class StaticConfig:
    view: ConfigView = field(default_factory=ConfigView)

    async def get(self) -> ConfigView:
        return self.view


@dataclass
class InMemoryDeliveries:
    items: dict[str, Delivery] = field(default_factory=dict)

    async def claim_many(self, deliveries: list[Delivery]) -> list[Delivery]:
        claimed = [d for d in deliveries if d.id not in self.items]
        self.items.update((d.id, d) for d in claimed)
        return claimed

    async def cancel_for_customer(self, customerid: str, *, now: datetime, reason: str) -> int:
        hit = [d for d in self.items.values() if d.customerid == customerid and d.status == "pending"]
        for d in hit:
            self.items[d.id] = d.model_copy(update={"status": "cancelled", "reason": reason, "updated_at": now})
        return len(hit)

    async def existing(self, ids: list[str]) -> set[str]:
        return {i for i in ids if i in self.items}


@dataclass
class InMemoryDigests:
    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def window_end(self, digest_key: str) -> datetime | None:
        due = [i["due_at"] for i in self.items.values() if i["digest_key"] == digest_key and i["status"] == "pending"]
        return min(due, default=None)

    async def add(self, item: dict[str, Any]) -> bool:
        if item["_id"] in self.items:
            return False
        self.items[item["_id"]] = item
        return True

    async def delete_for_customer(self, customerid: str) -> int:
        return _drop(self.items, lambda i: i["customerid"] == customerid)

    async def exists(self, item_id: str) -> bool:
        return item_id in self.items


@dataclass
class InMemoryEvents:
    events: dict[str, CloudEvent] = field(default_factory=dict)

    async def put(self, event: CloudEvent, *, now: datetime) -> None:
        self.events.setdefault(event.id, event)

    async def delete_for_customer(self, customerid: str) -> int:
        return _drop(self.events, lambda e: e.customerid == customerid)


@dataclass
class InMemorySuppressions:
    reasons: dict[str, str] = field(default_factory=dict)

    async def add(self, customer_id: str, *, reason: str, event_id: str | None, now: datetime) -> None:
        self.reasons[customer_id] = reason

    async def contains(self, customer_id: str) -> bool:
        return customer_id in self.reasons

    async def reason(self, customer_id: str) -> str | None:
        return self.reasons.get(customer_id)
