"""The common app: correlation ids in and out, request metrics, admission control wired."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from crm_shared.http.app import HTTP_REQUESTS, create_app
from crm_shared.logs import correlation_id
from crm_shared.settings import CrmSettings
from fastapi import FastAPI


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


def _app() -> FastAPI:
    app = create_app(settings=CrmSettings(service_name="probe"), title="probe", lifespan=_lifespan)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str | None]:
        return {"id": thing_id, "correlation_id": correlation_id.get()}

    return app


async def test_correlation_id_is_carried_through_and_returned() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        given = await client.get("/things/a", headers={"x-correlation-id": "corr-1"})
        assert given.headers["x-correlation-id"] == "corr-1"
        assert given.json() == {"id": "a", "correlation_id": "corr-1"}
        made = await client.get("/things/b")
        uuid.UUID(made.headers["x-correlation-id"])
        assert made.json()["correlation_id"] == made.headers["x-correlation-id"]
        missing = await client.get("/nowhere")
        assert missing.status_code == 404
        assert missing.headers["x-correlation-id"]


async def test_requests_are_counted_by_route_template_and_status() -> None:
    def count(route: str, status: str) -> float:
        return HTTP_REQUESTS.labels("GET", route, status)._value.get()

    before_ok, before_missing = count("/things/{thing_id}", "200"), count("unmatched", "404")
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get("/things/x")
        await client.get("/things/y")
        await client.get("/nope")
    assert count("/things/{thing_id}", "200") == before_ok + 2
    assert count("unmatched", "404") == before_missing + 1


async def test_unexpected_errors_are_problems_and_store_outages_are_503() -> None:
    from pymongo.errors import AutoReconnect

    app = _app()

    @app.get("/bug")
    async def bug() -> None:
        raise KeyError("internal detail")

    @app.get("/outage")
    async def outage() -> None:
        raise AutoReconnect("store gone")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        bug_answer = await client.get("/bug")
        assert bug_answer.status_code == 500
        assert bug_answer.headers["content-type"] == "application/problem+json"
        assert "internal detail" not in bug_answer.text
        down = await client.get("/outage")
        assert (down.status_code, down.headers["content-type"]) == (503, "application/problem+json")
        assert down.headers["retry-after"] == "5"
