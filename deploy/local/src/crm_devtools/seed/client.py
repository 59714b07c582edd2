"""One async HTTP client per service, acting as the demo users.

Bounded concurrency per service, and retries on what a busy or just-written system
answers: ``503``/``429`` (after ``Retry-After``), transport errors, and sales' ``422
unknown_customer`` (its replica learns a new customer from Kafka a moment later).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from crm_shared.auth import mint_token
from crm_shared.demo import DEMO_USERS
from crm_shared.settings import CrmSettings
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_delay

from crm_devtools.seed.plan_work import MAIL_GATEWAY

DEFAULT_PORTS = {"contacts": 8001, "sales": 8002, "service_desk": 8003, "notifications": 8004}
WAITING_ERRORS = frozenset({"unknown_customer"})
"""422 error types that mean "not yet": retried like a 503."""


@dataclass(frozen=True)
class ServiceUrls:
    contacts: str
    sales: str
    service_desk: str
    notifications: str

    @classmethod
    def local(cls, offset: int = 0, host: str = "127.0.0.1", **overrides: str | None) -> ServiceUrls:
        """The ``crm dev --port-offset`` stack's URLs; ``overrides`` replace single ones."""
        urls = {name: f"http://{host}:{port + offset}" for name, port in DEFAULT_PORTS.items()}
        urls.update({k: v.rstrip("/") for k, v in overrides.items() if v})
        return cls(**urls)


class SeedError(RuntimeError):
    """An answer the seed cannot go on from."""

    def __init__(self, response: httpx.Response) -> None:
        req = response.request
        super().__init__(f"{req.method} {req.url} -> {response.status_code}: {response.text[:500]}")
        self.response = response


class Busy(Exception):
    def __init__(self, reason: str, delay: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class Tokens:
    """Bearer tokens of the demo users (minted once, valid for hours)."""

    def __init__(self, settings: CrmSettings | None = None) -> None:
        self._settings = settings or CrmSettings()
        self._cache: dict[str, dict[str, str]] = {}

    def headers(self, sub: str) -> dict[str, str]:
        if sub not in self._cache:
            self._cache[sub] = {"Authorization": f"Bearer {self._mint(sub)}"}
        return self._cache[sub]

    def _mint(self, sub: str) -> str:
        if sub == MAIL_GATEWAY:
            return mint_token(self._settings, sub=sub, roles=["integration"], kind="service", ttl_s=12 * 3600)
        user = next((u for u in DEMO_USERS if u.sub == sub), None)
        if user is None:
            raise KeyError(f"{sub!r} is not a demo user (crm_shared.demo)")
        return mint_token(
            self._settings,
            sub=user.sub,
            roles=list(user.roles),
            department=user.department,
            teams=list(user.teams),
            name=user.name,
            ttl_s=12 * 3600,
        )


@dataclass
class Stats:
    requests: int = 0
    retries: Counter[str] = field(default_factory=Counter)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    backoff: float = min(0.2 * 2.0 ** min(state.attempt_number, 5), 5.0)
    if isinstance(exc, Busy) and exc.delay is not None:
        return max(float(exc.delay), 0.05)
    return backoff


def _waiting_error(response: httpx.Response) -> str | None:
    if response.status_code != 422:
        return None
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return None
    for err in errors:
        if isinstance(err, dict) and err.get("type") in WAITING_ERRORS:
            return str(err["type"])
    return None


class Api:
    """A service's API: ``call`` sends one request as a demo user, retried while busy."""

    def __init__(
        self,
        name: str,
        base_url: str,
        tokens: Tokens,
        *,
        concurrency: int,
        stats: Stats,
        patience_s: float = 240.0,
        timeout_s: float = 30.0,
    ) -> None:
        self.name = name
        self.tokens = tokens
        self.stats = stats
        self.patience_s = patience_s
        self._slots = asyncio.Semaphore(concurrency)
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_s, limits=httpx.Limits(max_connections=concurrency + 2)
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        user: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        ok: Iterable[int] = (200, 201),
        version: int | None = None,
    ) -> httpx.Response:
        """The answer if its status is in ``ok``; else ``SeedError``. ``version`` sends ``If-Match``."""
        expected = frozenset(ok)
        hdrs = {**self.tokens.headers(user), **(headers or {})}
        if version is not None:
            hdrs["If-Match"] = f'"{version}"'
        retrying = AsyncRetrying(
            stop=stop_after_delay(self.patience_s),
            wait=_wait,
            reraise=True,
            retry=retry_if_exception_type((Busy, httpx.TransportError)),
        )
        async for attempt in retrying:
            with attempt:
                response = await self._send(method, path, json=json, params=params, headers=hdrs)
                if response.status_code in expected:
                    return response
                if response.status_code in (429, 502, 503, 504):
                    self.stats.retries[f"{self.name} {response.status_code}"] += 1
                    raise Busy(str(response.status_code), _retry_after(response))
                if (waiting := _waiting_error(response)) is not None:
                    self.stats.retries[f"{self.name} {waiting}"] += 1
                    raise Busy(waiting, 1.0)
                raise SeedError(response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        async with self._slots:
            self.stats.requests += 1
            try:
                return await self._http.request(method, path, **kw)
            except httpx.TransportError:
                self.stats.retries[f"{self.name} transport"] += 1
                raise

    async def get_json(self, path: str, *, user: str, params: dict[str, Any] | None = None) -> Any:
        return (await self.call("GET", path, user=user, params=params)).json()

    async def find(self, path: str, *, user: str) -> dict[str, Any] | None:
        """The resource at ``path``, or None when it answers 404."""
        response = await self.call("GET", path, user=user, ok=(200, 404))
        return None if response.status_code == 404 else dict(response.json())


@dataclass
class Clients:
    contacts: Api
    sales: Api
    service_desk: Api
    notifications: Api
    stats: Stats

    @classmethod
    def open(cls, urls: ServiceUrls, *, tokens: Tokens | None = None, concurrency: int = 5) -> Clients:
        tokens = tokens or Tokens()
        stats = Stats()
        return cls(
            contacts=Api("contacts", urls.contacts, tokens, concurrency=concurrency, stats=stats),
            sales=Api("sales", urls.sales, tokens, concurrency=concurrency, stats=stats),
            service_desk=Api("service-desk", urls.service_desk, tokens, concurrency=concurrency, stats=stats),
            notifications=Api("notifications", urls.notifications, tokens, concurrency=concurrency, stats=stats),
            stats=stats,
        )

    async def aclose(self) -> None:
        for api in (self.contacts, self.sales, self.service_desk, self.notifications):
            await api.aclose()


def version_of(response: httpx.Response) -> int:
    """The ETag's version (``"3"`` → 3), else the body's ``version``."""
    etag = response.headers.get("etag", "").strip('W/"')
    if etag.isdigit():
        return int(etag)
    return int(response.json()["version"])
