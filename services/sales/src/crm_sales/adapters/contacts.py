"""The contacts API as sales uses it (the ``Contacts`` port): look customers and
companies up, create one idempotently, check one by id.

Look-ups are ``POST /customers/lookup`` with the key in the JSON body (``{"email"}``,
``{"company_name"}`` or ``{"domain"}``): an e-mail address in a query string would end
up in every access log on the way.

``HttpContactsClient`` authenticates as the ``svc-sales`` service account (role
``integration``), retries transport errors, 429 and 5xx with exponential backoff
(the create is safe to retry: same ``Idempotency-Key``, same customer) and turns
what is left into :class:`DependencyUnavailable` (503) or, for a 4xx of contacts,
:class:`DependencyRejected` (422).
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

import httpx
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from crm_sales.errors import DependencyRejected, DependencyUnavailable
from crm_sales.service.ports import CustomerState

log = logging.getLogger(__name__)


class _Retryable(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _Retryable | httpx.TransportError)


def _items(body: Any) -> list[dict[str, Any]]:
    """The customers of a list answer, whatever envelope contacts uses."""
    if isinstance(body, list):
        return [i for i in body if isinstance(i, dict)]
    if isinstance(body, dict):
        for key in ("items", "data", "results", "customers"):
            if isinstance(body.get(key), list):
                return [i for i in body[key] if isinstance(i, dict)]
    return []


class HttpContactsClient:
    TOKEN_TTL_S = 3600

    def __init__(
        self,
        settings: CrmSettings,
        *,
        base_url: str,
        timeout_s: float = 5.0,
        attempts: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._attempts = attempts
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport)
        self._token: tuple[str, float] | None = None

    async def close(self) -> None:
        await self._client.aclose()

    def _auth(self) -> dict[str, str]:
        now = time.monotonic()
        if self._token is None or self._token[1] < now:
            token = mint_token(
                self._settings,
                sub="svc-sales",
                roles=["integration"],
                kind="service",
                department="sales",
                ttl_s=self.TOKEN_TTL_S,
            )
            self._token = (token, now + self.TOKEN_TTL_S / 2)
        return {"Authorization": f"Bearer {self._token[0]}"}

    async def _call(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(_is_retryable),
                stop=stop_after_attempt(self._attempts),
                wait=wait_exponential_jitter(initial=0.1, max=2.0),
                reraise=True,
            ):
                with attempt:
                    response = await self._client.request(
                        method, url, headers={**self._auth(), **(headers or {})}, **kwargs
                    )
                    if response.status_code == 429 or response.status_code >= 500:
                        raise _Retryable(f"contacts answered {response.status_code}")
                    return response
        except (_Retryable, httpx.TransportError) as exc:
            log.warning("contacts unavailable", extra={"url": url, "error": repr(exc)})
            raise DependencyUnavailable(
                "the contacts service is not available; retry later", headers={"Retry-After": "5"}
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _rejected(response: httpx.Response, what: str) -> DependencyRejected:
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text[:500]}
        detail = body.get("detail") if isinstance(body, dict) else None
        return DependencyRejected(
            f"contacts refused to {what}: {detail or response.status_code}",
            errors=body.get("errors") if isinstance(body, dict) else None,
            upstream_status=response.status_code,
        )

    async def _lookup(self, what: str, body: dict[str, str]) -> list[dict[str, Any]]:
        response = await self._call("POST", "/customers/lookup", json=body)
        if response.status_code == 404:
            return []
        if response.status_code >= 400:
            raise self._rejected(response, what)
        return _items(response.json())

    async def find_customer(self, *, email: str) -> str | None:
        items = await self._lookup("look up customers", {"email": email})
        return str(items[0]["id"]) if items and "id" in items[0] else None

    async def find_company(self, *, name: str | None = None, domain: str | None = None) -> str | None:
        body = {"company_name": name} if name else {"domain": domain or ""}
        items = await self._lookup("look up companies", body)
        companies = [i for i in items if "id" in i and i.get("kind", "company") == "company"]
        return str(companies[0]["id"]) if companies else None

    async def customer_state(self, customer_id: str) -> CustomerState:
        response = await self._call("GET", f"/customers/{quote(customer_id, safe='')}")
        if response.status_code == 410:
            return "erased"
        if response.status_code in (404, 422):
            return "unknown"
        if response.status_code >= 400:
            raise self._rejected(response, "read the customer")
        return "active"

    async def create_customer(self, body: dict[str, Any], *, idempotency_key: str) -> str:
        response = await self._call("POST", "/customers", json=body, headers={"Idempotency-Key": idempotency_key})
        if response.status_code >= 400:
            raise self._rejected(response, "create the customer")
        return str(response.json()["id"])
