"""Admission control: saturated → 503 with Retry-After, fast; SSE and health are exempt."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
from crm_shared.http.limits import ConcurrencyLimit, body_limit, priority_lane
from fastapi import APIRouter, FastAPI, Request
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


async def test_a_body_is_read_before_a_slot_is_taken_and_limited_in_size() -> None:
    inner = FastAPI()
    reached: list[int] = []

    @inner.post("/small")
    async def small(request: Request) -> dict[str, int]:
        reached.append(len(await request.body()))
        return {"n": reached[-1]}

    @inner.post("/imports", openapi_extra=body_limit(4096))
    async def imports(request: Request) -> dict[str, int]:
        reached.append(len(await request.body()))
        return {"n": reached[-1]}

    inner.add_middleware(ConcurrencyLimit, limit=1, queue_timeout_s=0.05, max_body_bytes=1024, body_timeout_s=1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=inner), base_url="http://t") as client:
        assert (await client.post("/small", content=b"x" * 1000)).json() == {"n": 1000}
        too_big = await client.post("/small", content=b"x" * 2000)
        assert too_big.status_code == 413
        assert too_big.headers["content-type"] == "application/problem+json"
        assert too_big.json()["max_bytes"] == 1024
        assert (await client.post("/imports", content=b"x" * 3000)).json() == {"n": 3000}
        assert (await client.post("/imports", content=b"x" * 5000)).status_code == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(3):
                yield b"x" * 600

        assert (await client.post("/small", content=chunks())).status_code == 413
    assert reached == [1000, 3000]


async def test_a_priority_lane_route_does_not_queue_behind_the_load() -> None:
    """Declared on a router's route (FastAPI keeps included routers nested: the
    declaration was not found on ``app.router.routes``), with a bigger body too."""
    router = APIRouter(prefix="/customers")
    release = asyncio.Event()

    @router.patch("/{cid}")
    async def patch(cid: str) -> dict[str, str]:
        await release.wait()
        return {"id": cid}

    @router.post("/{cid}/erasure", openapi_extra={**priority_lane(), **body_limit(4096)})
    async def erase(cid: str, request: Request) -> dict[str, str]:
        await release.wait()
        return {"erased": cid, "bytes": str(len(await request.body()))}

    inner = FastAPI()
    inner.include_router(router)
    inner.add_middleware(ConcurrencyLimit, limit=1, queue_timeout_s=0.05, lane_slots=1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=inner), base_url="http://t") as client:
        load = asyncio.create_task(client.patch("/customers/a"))
        await asyncio.sleep(0.01)
        assert (await client.patch("/customers/b")).status_code == 503  # the load's slot is taken
        erasure = asyncio.create_task(client.post("/customers/c/erasure", content=b"x" * 3000))
        await asyncio.sleep(0.01)
        assert (await client.post("/customers/d/erasure")).status_code == 503  # so is the lane's
        release.set()
        assert (await erasure).json() == {"erased": "c", "bytes": "3000"}
        assert (await load).json() == {"id": "a"}
