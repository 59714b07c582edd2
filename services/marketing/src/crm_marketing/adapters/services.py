"""Calls to the other services' APIs as marketing's service account (sales: leads; contacts:
the customer's consent fields), with retries of what is worth retrying."""

from __future__ import annotations

import time
from typing import Any

import httpx
from crm_shared.auth import mint_token
from crm_shared.errors import CrmError, ValidationFailed, VersionConflict
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from crm_marketing.settings import MarketingSettings

TOKEN_TTL_S = 600


class ServiceUnavailable(CrmError):
    status, code, title = 503, "service_unavailable", "A service is unavailable"


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in (429, 502, 503, 504)
    return isinstance(exc, httpx.TransportError)


class ServiceClient:
    def __init__(
        self, settings: MarketingSettings, *, base_url: str, roles: list[str],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        self._settings = settings
        self._roles = roles
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=settings.sales_timeout_s, transport=transport
        )
        self._token: tuple[str, float] | None = None

    def _auth(self) -> dict[str, str]:
        now = time.monotonic()
        if self._token is None or self._token[1] < now:
            token = mint_token(
                self._settings, sub="svc-marketing", roles=self._roles, kind="service", department="marketing",
                ttl_s=TOKEN_TTL_S,
            )  # fmt: skip
            self._token = (token, now + TOKEN_TTL_S / 2)
        return {"Authorization": f"Bearer {self._token[0]}"}

    async def send(
        self, method: str, url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(_retryable), stop=stop_after_attempt(3),
                wait=wait_exponential_jitter(initial=0.1, max=1.0), reraise=True,
            ):  # fmt: skip
                with attempt:
                    answer = await self._client.request(
                        method, url, json=body, headers={**self._auth(), **(headers or {})}
                    )
                    answer.raise_for_status()
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 412:
                raise VersionConflict("the record changed meanwhile") from exc
            if exc.response.status_code == 422:
                raise ValidationFailed("refused", errors=exc.response.json().get("errors", [])) from exc
            raise ServiceUnavailable(f"{url} answered {exc.response.status_code}") from exc
        except httpx.TransportError as exc:
            raise ServiceUnavailable(f"{url} did not answer") from exc
        return answer

    async def close(self) -> None:
        await self._client.aclose()


class HttpContacts(ServiceClient):
    def __init__(self, settings: MarketingSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(settings, base_url=settings.contacts_url, roles=["marketing"], transport=transport)

    async def refuse(self, customer_id: str, channels: list[str], *, source: str, at: str) -> None:
        """Set the customer's consent fields for ``channels`` to not granted (read, then
        PATCH with If-Match; a concurrent change is read again)."""
        for _ in range(3):
            current = (await self.send("GET", f"/customers/{customer_id}")).json()
            consent = dict(current.get("consent") or {})
            if all(not (consent.get(ch) or {}).get("granted", False) and ch in consent for ch in channels):
                return
            consent.update({ch: {"granted": False, "at": at, "source": source} for ch in channels})
            try:
                await self.send("PATCH", f"/customers/{customer_id}", {"consent": consent},
                                {"If-Match": f'"{current["version"]}"'})  # fmt: skip
            except VersionConflict:
                continue
            return
