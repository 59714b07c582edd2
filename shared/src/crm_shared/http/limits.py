"""Admission control: a bounded number of requests in the handlers at once.

Beyond it, a request waits up to ``queue_timeout_s`` for a slot, then gets ``503`` with
``Retry-After``. Under overload the API keeps serving what the store can take at a
steady latency instead of letting every request slow down together until all time out.
Health, metrics and the long-lived SSE streams are not counted. Every API gets it from
``create_app`` (settings ``CRM_MAX_CONCURRENT_REQUESTS``, ``CRM_QUEUE_TIMEOUT_S``).
"""

from __future__ import annotations

import asyncio

from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_shared.http.problems import problem

SHED = Counter("crm_http_requests_shed_total", "Requests refused with 503 because the API was saturated",
               ["service"])
EXEMPT = ("/healthz", "/readyz", "/metrics")


def exempt(path: str) -> bool:
    return path in EXEMPT or path == "/events" or path.endswith("/events")


class ConcurrencyLimit:
    def __init__(self, app: ASGIApp, *, limit: int, queue_timeout_s: float, service: str = "crm") -> None:
        self.app = app
        self._service = service
        self._slots = asyncio.Semaphore(limit)
        self._timeout = queue_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or exempt(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._slots.acquire()
        except TimeoutError:
            SHED.labels(self._service).inc()
            response = problem(503, f"the {self._service} API is saturated; retry shortly", code="overloaded",
                               headers={"Retry-After": "1"})
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()
