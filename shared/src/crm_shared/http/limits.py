"""Admission control: a bounded number of requests in the handlers at once, and only
requests whose body has fully arrived.

A request's body is read first, outside any slot: at most ``max_body_bytes`` (``413``
beyond, from ``Content-Length`` before reading anything, or as soon as a chunked body
passes it) within ``body_timeout_s`` (``408`` after). Only then does it wait up to
``queue_timeout_s`` for one of ``limit`` slots, else ``503`` + ``Retry-After``. So a slow
or hostile uploader holds a connection, never a slot: eight clients trickling bodies
cannot lock an API out. Under overload the API keeps serving what the store can take
at a steady latency instead of letting every request slow down together.

Health, metrics and the long-lived SSE streams are not counted. Every API gets it from
``create_app`` (``CRM_MAX_CONCURRENT_REQUESTS``, ``CRM_QUEUE_TIMEOUT_S``,
``CRM_MAX_BODY_BYTES``, ``CRM_BODY_TIMEOUT_S``). A route taking bigger bodies (a CSV
import) says so with ``openapi_extra=body_limit(50 * MIB)``.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from starlette.datastructures import Headers
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.http.problems import problem

SHED = Counter("crm_http_requests_shed_total", "Requests refused with 503 because the API was saturated", ["service"])
BODIES_REFUSED = Counter(
    "crm_http_bodies_refused_total", "Request bodies refused: too large (413) or too slow (408)", ["service", "reason"]
)
EXEMPT = ("/healthz", "/readyz", "/metrics")
MIB = 1024 * 1024
BODY_LIMIT_KEY = "x-max-body-bytes"
PRIORITY_KEY = "x-priority-lane"


def exempt(path: str) -> bool:
    return path in EXEMPT or path == "/events" or path.endswith("/events")


def body_limit(max_bytes: int) -> dict[str, Any]:
    """``openapi_extra`` for a route that accepts bodies up to ``max_bytes`` (documented
    in its OpenAPI operation too)."""
    return {BODY_LIMIT_KEY: max_bytes}


def priority_lane() -> dict[str, Any]:
    """``openapi_extra`` for a route whose requests take the priority lane's slots."""
    return {PRIORITY_KEY: True}


class _BodyTooLarge(Exception):
    pass


@dataclass(frozen=True)
class _Operation:
    method: str
    path: re.Pattern[str]
    extra: dict[str, Any]


def _declaring_operations(app: Any) -> list[_Operation]:
    """The operations that declared one of this module's keys, read from the app's OpenAPI
    document, which has every route with its full path: FastAPI 0.163 keeps included
    routers nested (``app.router.routes`` shows neither their routes' paths nor their
    ``openapi_extra``, so a declaration on a router's route was not found before)."""
    openapi = getattr(app, "openapi", None)
    if openapi is None:
        return []
    found = []
    for path, item in openapi().get("paths", {}).items():
        regex = compile_path(path)[0]
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            extra = {k: operation[k] for k in (BODY_LIMIT_KEY, PRIORITY_KEY) if k in operation}
            if extra:
                found.append(_Operation(method.upper(), regex, extra))
    return found


class ConcurrencyLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        queue_timeout_s: float,
        service: str = "crm",
        max_body_bytes: int = MIB,
        body_timeout_s: float = 30.0,
        lane_slots: int = 2,
    ) -> None:
        self.app = app
        self._service = service
        self._slots = asyncio.Semaphore(limit)
        self._lane = asyncio.Semaphore(lane_slots)
        self._operations: list[_Operation] | None = None
        """The operations that declared a body limit or the priority lane (first request)."""
        self._timeout = queue_timeout_s
        self._max_body = max_body_bytes
        self._body_timeout = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or exempt(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if "content-length" in headers or "transfer-encoding" in headers:
            buffered = await self._read_body(scope, receive, send, headers)
            if buffered is None:
                return  # answered 408 or 413
            receive = buffered
        slots = self._lane if self._declared(scope).get(PRIORITY_KEY) else self._slots
        try:
            async with asyncio.timeout(self._timeout):
                await slots.acquire()
        except TimeoutError:
            SHED.labels(self._service).inc()
            response = problem(
                503,
                f"the {self._service} API is saturated; retry shortly",
                code="overloaded",
                headers={"Retry-After": "1"},
            )
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    def _declared(self, scope: Scope) -> dict[str, Any]:
        """What the operation taking this request declared (:func:`body_limit`,
        :func:`priority_lane`); a few regular expressions matched, only against the
        operations that declared anything."""
        if self._operations is None:
            app = scope.get("app")
            if app is None:
                return {}
            self._operations = _declaring_operations(app)
        method, path = scope.get("method", ""), scope.get("path", "")
        for operation in self._operations:
            if operation.method == method and operation.path.match(path):
                return operation.extra
        return {}

    async def _read_body(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> Receive | None:
        """The whole body, then a ``receive`` that replays it; None once refused."""
        limit = self._max_body
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            limit = self._route_limit(scope)
            if int(declared) > limit:
                await self._refuse(scope, receive, send, 413, limit)
                return None
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self._body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None  # the client went away: nothing to answer
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        limit = max(limit, self._route_limit(scope))
                        if size > limit:
                            raise _BodyTooLarge
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await self._refuse(scope, receive, send, 408, limit)
            return None
        except _BodyTooLarge:
            await self._refuse(scope, receive, send, 413, limit)
            return None
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # e.g. http.disconnect, for handlers that watch for it

        return replay

    def _route_limit(self, scope: Scope) -> int:
        """The limit a matching route declared with :func:`body_limit`, else the default."""
        return max(self._max_body, int(self._declared(scope).get(BODY_LIMIT_KEY, self._max_body)))

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, limit: int) -> None:
        if status == 413:
            BODIES_REFUSED.labels(self._service, "too_large").inc()
            response = problem(413, f"the request body is larger than {limit} bytes", max_bytes=limit)
        else:
            BODIES_REFUSED.labels(self._service, "too_slow").inc()
            response = problem(408, f"the request body did not arrive within {self._body_timeout:g} s")
        response.headers["Connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)
