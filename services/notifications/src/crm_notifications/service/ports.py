"""What the dispatcher needs from the outside world. The Mongo repositories
(``adapters/``) and the in-memory fakes (``adapters/memory.py``, unit tests) implement these."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from crm_shared.events import CloudEvent

from crm_notifications.domain.delivery import Delivery
from crm_notifications.service.config_cache import ConfigView


class ConfigSource(Protocol):
    async def get(self) -> ConfigView: ...


class DeliveryClaims(Protocol):
    async def claim_many(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Store each under its idempotency key; returns those claimed now (not before)."""
        ...

    async def cancel_for_customer(self, customerid: str, *, now: datetime, reason: str) -> int: ...
    async def existing(self, ids: list[str]) -> set[str]: ...


class DigestItems(Protocol):
    async def window_end(self, digest_key: str) -> datetime | None: ...
    async def add(self, item: dict[str, Any]) -> bool: ...
    async def delete_for_customer(self, customerid: str) -> int: ...
    async def exists(self, item_id: str) -> bool: ...


class EventArchive(Protocol):
    async def put(self, event: CloudEvent, *, now: datetime) -> None: ...
    async def delete_for_customer(self, customerid: str) -> int: ...


class Suppressions(Protocol):
    async def add(self, customer_id: str, *, reason: str, event_id: str | None, now: datetime) -> None: ...
    async def contains(self, customer_id: str) -> bool: ...
    async def reason(self, customer_id: str) -> str | None: ...


class Eraser(Protocol):
    async def erase(self, customerid: str) -> int:
        """Scrub or delete every record of an erased customer (``service/erasure.py``)."""
        ...
