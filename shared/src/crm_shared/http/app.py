"""FastAPI app factory shared by the services: problems, health, metrics, correlation."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.auth import TokenVerifier
from crm_shared.http.limits import ConcurrencyLimit
from crm_shared.http.openapi import install_problem_responses
from crm_shared.http.problems import install_problem_handlers, problem
from crm_shared.logs import correlation_id
from crm_shared.revocation import RevocationList
from crm_shared.settings import CrmSettings
from crm_shared.telemetry import NO_NATIVE_TELEMETRY, asgi_middleware

HTTP_LATENCY = Histogram("crm_http_request_duration_seconds", "HTTP request latency", ["method", "route", "status"])
HTTP_REQUESTS = Counter("crm_http_requests_total", "HTTP requests", ["method", "route", "status"])

ReadinessCheck = Callable[[], Awaitable[dict[str, Any]]]
READINESS_TIMEOUT_S = 8.0
"""Past this a readiness check counts as failed (the store client waits 5 s to select a server)."""


class CorrelationMiddleware:
    """Correlation id in and out (``x-correlation-id``), request metrics.

    Plain ASGI: starlette's BaseHTTPMiddleware costs a task group and memory streams
    per request (measured as the largest single cost in contacts' API under load).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = Headers(scope=scope).get("x-correlation-id") or str(uuid.uuid4())
        token = correlation_id.set(cid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-correlation-id"] = cid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
            route = getattr(scope.get("route"), "path", "unmatched")
            labels = (scope["method"], route, str(status))
            HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - start)
            HTTP_REQUESTS.labels(*labels).inc()


def create_app(
    *,
    settings: CrmSettings,
    title: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    readiness: Callable[[FastAPI], ReadinessCheck] | None = None,
    version: str = "0.1.0",
) -> FastAPI:
    # FastAPI's own telemetry would put paths and query strings (personal data) on spans
    # and exception messages in OTel logs: server spans come from crm_shared.telemetry.
    app = FastAPI(title=title, version=version, lifespan=lifespan, telemetry=NO_NATIVE_TELEMETRY)
    app.state.settings = settings
    app.state.revocations = RevocationList()  # filled by the chassis' revocation feed
    app.state.token_verifier = TokenVerifier(settings, revocations=app.state.revocations)
    install_problem_handlers(app)
    install_problem_responses(app)
    app.add_middleware(
        ConcurrencyLimit,
        limit=settings.max_concurrent_requests,
        queue_timeout_s=settings.queue_timeout_s,
        service=settings.service_name,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.body_timeout_s,
    )
    app.add_middleware(asgi_middleware)  # server spans: inside correlation, around shedding
    app.add_middleware(CorrelationMiddleware)  # outermost: a shed request keeps its correlation id

    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    async def readyz() -> Response:
        if readiness is None:
            return problem(503, "no readiness check configured")
        try:
            async with asyncio.timeout(READINESS_TIMEOUT_S):
                checks = await readiness(app)()
        except Exception as exc:  # a check that cannot even answer means not ready, not a 500
            return problem(503, "not ready", code="not_ready", checks={"error": type(exc).__name__})
        ok = all(v is True or (isinstance(v, dict) and v.get("ok")) for v in checks.values())
        if ok:
            from fastapi.responses import JSONResponse

            return JSONResponse({"status": "ready", "checks": checks})
        return problem(503, "not ready", code="not_ready", checks=checks)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
