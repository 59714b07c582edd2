"""The one outbound HTTP client: SSRF-guarded connections, redirects followed by hand.

Every hop's URL is checked by the policy before the request, and every connection
resolves and checks its address (see :mod:`.ssrf`). 307/308 and 301/302 repeat the
POST with its body (a webhook without its body is pointless; curl's ``--post30x``);
303 turns into a GET as RFC 9110 says. Responses are read up to a small cap.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from crm_notifications.adapters.ssrf import BlockedDestination, SsrfPolicy, guarded_transport

if importlib.util.find_spec("sniffio") is None:
    # httpcore tries ``import sniffio`` on every lock acquisition; anyio 4 no longer brings it,
    # so each try scanned sys.path (about 1 ms, thousands of times per second under load).
    # Marking it absent makes the import fail at once, and httpcore then assumes asyncio: true.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_BODY = 4096


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: Mapping[str, str]
    body: str
    """The start of the response body (for the delivery log's error)."""
    hops: int


class SafeHttpClient:
    def __init__(
        self,
        policy: SsrfPolicy,
        *,
        timeout_s: float = 10.0,
        max_redirects: int = 3,
        max_connections: int = 16,
        user_agent: str = "crm-notifications/0.1",
    ) -> None:
        self.policy = policy
        self._max_redirects = max_redirects
        # A pool no bigger than the senders: httpcore scans every connection on every request,
        # and chat webhooks share few origins (all Slack hooks are one), so a big pool only costs.
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30
        )
        self._client = httpx.AsyncClient(
            transport=guarded_transport(policy, limits=limits),
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": user_agent},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post(self, url: str, *, content: bytes, headers: Mapping[str, str]) -> HttpResult:
        """POST ``content``; BlockedDestination if any hop is refused, httpx errors on transport failure."""
        origin = target = self.policy.check_url(url)
        method, body = "POST", content
        for hop in range(self._max_redirects + 1):
            async with self._client.stream(
                method, target, content=body if method == "POST" else None, headers=headers
            ) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    if hop == self._max_redirects:
                        raise BlockedDestination(f"more than {self._max_redirects} redirects")
                    target = self.policy.check_redirect(target.join(location), origin=origin)
                    if response.status_code == 303:
                        method, body = "GET", b""
                    continue
                excerpt = await _read_capped(response)
                return HttpResult(status=response.status_code, headers=dict(response.headers), body=excerpt, hops=hop)
        raise BlockedDestination("redirect loop")  # pragma: no cover - the loop returns or raises


async def _read_capped(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY:
            break
    return b"".join(chunks)[:MAX_BODY].decode("utf-8", "replace")
