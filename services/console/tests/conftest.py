"""The console's test helpers: an app over the in-memory container, signed-in clients."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from crm_console.adapters.memory import StaticRecordReader
from crm_console.adapters.upstreams import Upstreams
from crm_console.bootstrap import Container, in_memory
from crm_console.entrypoints.api import create_api
from crm_console.settings import ConsoleSettings
from crm_devtools.testkit import api_client


class Console:
    def __init__(self, container: Container, client: httpx.AsyncClient) -> None:
        self.container = container
        self.client = client

    async def sign_in(self, sub: str) -> str:
        """Signs ``sub`` in on this client; returns the CSRF token."""
        r = await self.client.post("/auth/dev-login", json={"sub": sub})
        assert r.status_code == 204, r.text
        me = await self.client.get("/api/me")
        assert me.status_code == 200, me.text
        return str(me.json()["csrf_token"])


@pytest.fixture
def reader() -> StaticRecordReader:
    return StaticRecordReader()


@pytest.fixture
def upstream_transport() -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host != "contacts.test":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(
            200,
            json={
                "url": str(request.url),
                "headers": dict(request.headers),
                "method": request.method,
                "body": request.content.decode(),
            },
            headers={"ETag": '"3"', "X-Internal": "no", "Retry-After": "1"},
        )

    return httpx.MockTransport(answer)


@pytest.fixture
async def console(
    tmp_path: object, reader: StaticRecordReader, upstream_transport: httpx.MockTransport
) -> AsyncIterator[Console]:
    settings = ConsoleSettings(web_dist_dir=str(tmp_path), contacts_url="http://contacts.test")
    container = in_memory(settings, reader=reader, upstreams=Upstreams(settings, transport=upstream_transport))

    async def factory() -> Container:
        return container

    async with api_client(create_api(settings, container_factory=factory)) as client:
        yield Console(container, client)
