"""The common app: correlation ids in and out, request metrics, admission control wired."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from crm_shared.http.app import HTTP_REQUESTS, create_app
from crm_shared.logs import correlation_id
from crm_shared.settings import CrmSettings
from fastapi import FastAPI, Request


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


async def test_a_client_that_leaves_while_its_body_is_read_is_no_server_error() -> None:
    app = _app()

    @app.api_route("/echo", methods=["GET", "POST"])
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.disconnect"}  # the tab closed before the body came

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/echo", "raw_path": b"/echo", "query_string": b"", "root_path": "", "server": ("t", 80),
        "client": ("127.0.0.1", 5000), "headers": [(b"content-type", b"application/json"), (b"content-length", b"9")],
    }  # fmt: skip
    for method, headers in (("POST", scope["headers"]), ("GET", [])):  # a body announced, or none (a GET)
        sent.clear()
        await app({**scope, "method": method, "headers": headers}, receive, send)  # raises nothing
        assert [m["status"] for m in sent if m["type"] == "http.response.start"] in ([], [499])
