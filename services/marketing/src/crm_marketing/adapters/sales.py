"""Sales' API, as marketing's service account: web forms create leads, scoring updates them."""

from __future__ import annotations

from typing import Any

import httpx

from crm_marketing.adapters.services import ServiceClient
from crm_marketing.settings import MarketingSettings


class HttpSales(ServiceClient):
    def __init__(self, settings: MarketingSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(settings, base_url=settings.sales_url, roles=["integration"], transport=transport)

    async def create_lead(self, lead: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """The lead (created, or the one an earlier call with the same key made)."""
        return dict((await self.send("POST", "/leads", lead, {"Idempotency-Key": idempotency_key})).json())

    async def patch_lead(self, lead_id: str, changes: dict[str, Any], *, version: int) -> dict[str, Any]:
        return dict((await self.send("PATCH", f"/leads/{lead_id}", changes, {"If-Match": f'"{version}"'})).json())

    async def assign_lead(self, lead_id: str, *, version: int) -> dict[str, Any]:
        """Sales' assignment rules route the lead (an empty body)."""
        return dict((await self.send("POST", f"/leads/{lead_id}/assign", {}, {"If-Match": f'"{version}"'})).json())
