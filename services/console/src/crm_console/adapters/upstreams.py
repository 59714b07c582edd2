"""The services behind ``/api/{service}/...``: one pooled HTTP client, the user's token.

Forwarded to the service: method, path, query, body and the headers a conditional or
repeat-safe request needs; answered verbatim: status, body and the headers the browser
uses. Cookies never leave the console; query strings and bodies are never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from crm_console.settings import UPSTREAMS, ConsoleSettings

REQUEST_HEADERS = ("accept", "content-type", "if-match", "if-none-match", "idempotency-key", "x-change-origin")
RESPONSE_HEADERS = (
    "content-type",
    "etag",
    "retry-after",
    "location",
    "content-disposition",
    "cache-control",
    "x-content-type-options",
)

READ_PATHS = {
    "customer": ("contacts", "customers"),
    "deal": ("sales", "deals"),
    "lead": ("sales", "leads"),
    "ticket": ("service-desk", "tickets"),
}
"""Where the record a notice names can be read, by topic: (service, collection path)."""


class BadUpstreamPath(ValueError):
    pass


@dataclass(frozen=True)
class Upstream:
    status: int
    content: bytes
    headers: dict[str, str]


def safe_path(path: str) -> str:
    """The service-relative path, refused when it could leave the service's API."""
    segments = path.split("/")
    if any(s in (".", "..") or "\\" in s for s in segments) or "%2e" in path.lower() or "%2f" in path.lower():
        raise BadUpstreamPath(path)
    return "/" + path.lstrip("/")


def forwarded_headers(incoming: Mapping[str, str], *, token: str, correlation_id: str | None) -> dict[str, str]:
    out = {name: incoming[name] for name in REQUEST_HEADERS if name in incoming}
    out["authorization"] = f"Bearer {token}"
    if correlation_id:
        out["x-correlation-id"] = correlation_id
    return out


def returned_headers(upstream: Mapping[str, str]) -> dict[str, str]:
    return {name: upstream[name] for name in RESPONSE_HEADERS if name in upstream}


class Upstreams:
    def __init__(self, settings: ConsoleSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._bases = {name: settings.upstream_url(name) for name in UPSTREAMS}
        limits = httpx.Limits(
            max_connections=settings.upstream_max_connections,
            max_keepalive_connections=settings.upstream_max_connections,
        )
        self._client = httpx.AsyncClient(
            timeout=settings.upstream_timeout_s, limits=limits, transport=transport, follow_redirects=False
        )

    def known(self, service: str) -> bool:
        return service in self._bases

    async def forward(
        self, *, service: str, path: str, method: str, query: str, headers: dict[str, str], body: bytes
    ) -> Upstream:
        url = self._bases[service] + safe_path(path)
        response = await self._client.request(
            method, url, params=httpx.QueryParams(query), headers=headers, content=body or None
        )
        return Upstream(response.status_code, response.content, returned_headers(response.headers))

    async def can_read(self, token: str, *, topic: str, record_id: str) -> bool:
        service, collection = READ_PATHS[topic]
        url = f"{self._bases[service]}/{collection}/{quote(record_id, safe='')}"
        response = await self._client.get(url, headers={"authorization": f"Bearer {token}"})
        return response.status_code == 200

    async def close(self) -> None:
        await self._client.aclose()
