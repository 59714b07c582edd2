"""Admission control: saturated → 503 with Retry-After, fast; SSE and health are exempt."""

from __future__ import annotations

import asyncio

import httpx
from crm_shared.http.limits import ConcurrencyLimit
from starlette.types import Receive, Scope, Send


async def test_requests_beyond_the_limit_are_shed_and_exempt_paths_pass() -> None:
    release = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/slow":
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = ConcurrencyLimit(app, limit=1, queue_timeout_s=0.05)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t") as client:
        slow = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.01)
        shed = await client.get("/customers")
        assert shed.status_code == 503
        assert shed.headers["retry-after"] == "1"
        assert shed.json()["code"] == "overloaded"
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/customers/c1/events")).status_code == 200
        release.set()
        assert (await slow).status_code == 200
        assert (await client.get("/customers")).status_code == 200
