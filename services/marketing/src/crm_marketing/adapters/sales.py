"""Sales' API, as marketing's service account: web forms create leads there."""

from __future__ import annotations

import time
from typing import Any

import httpx
from crm_shared.auth import mint_token
from crm_shared.errors import CrmError, ValidationFailed, VersionConflict
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from crm_marketing.settings import MarketingSettings

TOKEN_TTL_S = 600


class SalesUnavailable(CrmError):
    status, code, title = 503, "sales_unavailable", "Sales is unavailable"


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in (429, 502, 503, 504)
    return isinstance(exc, httpx.TransportError)


class HttpSales:
    def __init__(self, settings: MarketingSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._client = httpx.AsyncClient(
            base_url=settings.sales_url.rstrip("/"), timeout=settings.sales_timeout_s, transport=transport
        )
        self._token: tuple[str, float] | None = None

    def _auth(self) -> dict[str, str]:
        now = time.monotonic()
        if self._token is None or self._token[1] < now:
            token = mint_token(
                self._settings, sub="svc-marketing", roles=["integration"], kind="service", department="marketing",
                ttl_s=TOKEN_TTL_S,
            )  # fmt: skip
            self._token = (token, now + TOKEN_TTL_S / 2)
        return {"Authorization": f"Bearer {self._token[0]}"}

    async def create_lead(self, lead: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """The lead (created, or the one an earlier call with the same key made)."""
        return await self._send("POST", "/leads", lead, {"Idempotency-Key": idempotency_key})

    async def patch_lead(self, lead_id: str, changes: dict[str, Any], *, version: int) -> dict[str, Any]:
        return await self._send("PATCH", f"/leads/{lead_id}", changes, {"If-Match": f'"{version}"'})

    async def assign_lead(self, lead_id: str, *, version: int) -> dict[str, Any]:
        """Sales' assignment rules route the lead (an empty body)."""
        return await self._send("POST", f"/leads/{lead_id}/assign", {}, {"If-Match": f'"{version}"'})

    async def _send(self, method: str, url: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(_retryable), stop=stop_after_attempt(3),
                wait=wait_exponential_jitter(initial=0.1, max=1.0), reraise=True,
            ):  # fmt: skip
                with attempt:
                    answer = await self._client.request(method, url, json=body, headers={**self._auth(), **headers})
                    answer.raise_for_status()
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 412:
                raise VersionConflict("the lead changed meanwhile") from exc
            if exc.response.status_code == 422:
                raise ValidationFailed("sales refused the lead", errors=exc.response.json().get("errors", [])) from exc
            raise SalesUnavailable(f"sales answered {exc.response.status_code}") from exc
        except httpx.TransportError as exc:
            raise SalesUnavailable("sales did not answer") from exc
        result: dict[str, Any] = answer.json()
        return result

    async def close(self) -> None:
        await self._client.aclose()
