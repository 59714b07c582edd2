"""A small HTTP client for load generation, over aiohttp.

httpx's connection pool costs the client ~20 ms of CPU per request at a few hundred
connections in flight (measured here: 20-26 ms vs aiohttp's 0.4 ms, 200 concurrent
PATCHes), so an httpx load generator on a 2-core box measures itself. This wraps
aiohttp with the few httpx-like calls the benchmarks use (``post``, ``patch``,
``get``; ``status_code``, ``headers``, ``json()``), so code written for an
``httpx.AsyncClient`` (``bench.contacts_api``'s phases) runs on it unchanged.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import aiohttp
import orjson
from multidict import CIMultiDictProxy


class Response:
    def __init__(self, status: int, headers: CIMultiDictProxy[str], body: bytes) -> None:
        self.status_code = status
        self.headers = headers
        self.content = body

    def json(self) -> Any:
        return orjson.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class Client:
    def __init__(
        self, base_url: str, *, headers: dict[str, str] | None = None, limit: int = 512, timeout_s: float = 30
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = headers or {}
        self._limit = limit
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        self._session = aiohttp.ClientSession(
            headers=self._headers,
            timeout=self._timeout,
            json_serialize=lambda o: orjson.dumps(o).decode(),
            connector=aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit),
        )
        return self

    async def __aexit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None, params: Any = None
    ) -> Response:
        assert self._session is not None, "use 'async with Client(...)'"
        async with self._session.request(method, self._base + path, json=json, headers=headers, params=params) as r:
            return Response(r.status, r.headers, await r.read())

    async def get(self, path: str, **kw: Any) -> Response:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Response:
        return await self.request("POST", path, **kw)

    async def patch(self, path: str, **kw: Any) -> Response:
        return await self.request("PATCH", path, **kw)
