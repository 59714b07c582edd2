"""The delivery log: every delivery with every attempt (time, status code or error,
duration). Admins see all; anyone else sees only deliveries addressed to them."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Forbidden, NotFound

from crm_notifications.adapters.deliveries import DeliveryRepo
from crm_notifications.domain.delivery import Delivery

LOG_FIELDS = (
    "kind",
    "event_id",
    "event_type",
    "customerid",
    "rule_id",
    "recipient",
    "channel",
    "endpoint_id",
    "priority",
    "status",
    "reason",
    "attempts",
    "max_attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
    "delivered_at",
    "failed_at",
    "last_error",
    "last_status_code",
    "digest_item_ids",
    "erased_at",
)


class DeliveryLog:
    def __init__(self, deliveries: DeliveryRepo) -> None:
        self._deliveries = deliveries

    @staticmethod
    def _view(items: list[Delivery]) -> list[dict[str, Any]]:
        return [
            {
                "id": d.id,
                **{k: getattr(d, k) for k in LOG_FIELDS},
                "attempt_log": [a.model_dump() for a in d.attempt_log],
            }
            for d in items
        ]

    async def search(
        self,
        principal: Principal,
        *,
        event_id: str | None = None,
        recipient: str | None = None,
        channel: str | None = None,
        status: str | None = None,
        customerid: str | None = None,
        limit: int = 50,
        skip: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        if not principal.is_admin:
            if recipient not in (None, principal.sub):
                raise Forbidden("you may only see deliveries addressed to you")
            recipient = principal.sub
        filters = {
            k: v
            for k, v in {
                "event_id": event_id,
                "recipient": recipient,
                "channel": channel,
                "status": status,
                "customerid": customerid,
            }.items()
            if v is not None
        }
        items = await self._deliveries.search(filters, limit=limit, skip=skip)
        return self._view(items), await self._deliveries.count(filters)

    async def get(self, principal: Principal, delivery_id: str) -> dict[str, Any]:
        delivery = await self._deliveries.get(delivery_id)
        if delivery is None or not (principal.is_admin or delivery.recipient == principal.sub):
            raise NotFound(f"no delivery {delivery_id}")
        return self._view([delivery])[0]
