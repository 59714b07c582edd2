"""The console as a process in front of contacts and sales (API + worker each) on the real
broker and store: the user's own token reaches the services, live notices reach only
those the owning service lets read the record, resumption, the bell, saved views."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from pymongo import MongoClient

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
SERVICES = ("contacts", "sales", "console")


async def _safe(check: Any) -> Any:
    try:
        return await check()
    except StopIteration:
        return None


class Stream:
    """One tab's live stream: the messages received so far."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def read(self, client: httpx.AsyncClient, last_event_id: str | None = None) -> None:
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        message: dict[str, Any] = {}
        async with client.stream("GET", "/api/live", headers=headers, timeout=None) as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if not line:
                    if message:
                        self.messages.append(message)
                    message = {}
                    continue
                field, _, value = line.partition(": ")
                message[field] = json.loads(value) if field == "data" else value

    def changes(self, record_id: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("event") == "change" and m["data"]["id"] == record_id]


@contextlib.asynccontextmanager
async def streaming(client: httpx.AsyncClient, last_event_id: str | None = None) -> AsyncIterator[Stream]:
    stream = Stream()
    task = asyncio.create_task(stream.read(client, last_event_id))
    await eventually(lambda: stream.messages and stream.messages[0]["event"] == "hello", timeout_s=10)
    try:
        yield stream
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def signed_in(url: str, sub: str) -> tuple[httpx.AsyncClient, dict[str, str]]:
    client = httpx.AsyncClient(base_url=url, timeout=30)
    assert (await client.post("/auth/dev-login", json={"sub": sub})).status_code == 204
    csrf = (await client.get("/api/me")).json()["csrf_token"]
    return client, {"X-CSRF-Token": csrf}


async def test_the_console_in_front_of_the_services(crm_env: dict[str, str], free_port: Any) -> None:
    ports = {name: (free_port(), free_port()) for name in SERVICES}
    env = {**crm_env, "CRM_LOG_JSON": "false", "CRM_QUEUE_TIMEOUT_S": "15"}
    databases = {name: f"{crm_env['CRM_MONGODB_DATABASE']}_{name.replace('-', '_')}" for name in SERVICES}
    specs = [
        s
        for name in SERVICES
        for s in process_specs([name], env={**env, "CRM_MONGODB_DATABASE": databases[name]}, ports=ports)
    ]
    try:
        with start_services(specs, health_timeout_s=180) as procs:
            await scenario(procs["console-api"].spec.url or "")
    finally:
        client: MongoClient[dict[str, Any]] = MongoClient(crm_env["MONGODB_URL"])
        for name in databases.values():
            client.drop_database(name)
        client.close()


async def scenario(url: str) -> None:
    ana, ana_w = await signed_in(url, "ana")  # sales-east
    fang, fang_w = await signed_in(url, "wang.fang")  # sales-west
    li, li_w = await signed_in(url, "li.wei")  # head of sales: every team
    auditor, auditor_w = await signed_in(url, "auditor")

    async def customer(client: httpx.AsyncClient, write: dict[str, str], owner: str) -> str:
        r = await client.post(
            "/api/contacts/customers",
            headers=write,
            json={"kind": "company", "display_name": f"Console {owner}", "owner_id": owner},
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def deal(client: httpx.AsyncClient, write: dict[str, str], customer_id: str) -> dict[str, Any]:
        async def attempt() -> dict[str, Any]:
            r = await client.post(
                "/api/sales/deals",
                headers=write,
                json={"name": "Console deal", "customer_id": customer_id, "amount": "1000.00"},
            )
            assert r.status_code == 201, r.text  # 422 until sales' replica knows the customer
            return dict(r.json())

        return await eventually(attempt, timeout_s=60)

    async with streaming(ana) as ana_live, streaming(fang) as fang_live:
        west = await deal(fang, fang_w, await customer(fang, fang_w, "wang.fang"))
        east = await deal(ana, ana_w, await customer(ana, ana_w, "ana"))
        await eventually(lambda: fang_live.changes(west["id"]) and ana_live.changes(east["id"]), timeout_s=30)
        notice = ana_live.changes(east["id"])[0]["data"]
        assert notice["topic"] == "deal"
        assert notice["actor"] == {"id": "ana", "department": "sales", "name": "Ana Costa"}
        assert set(notice) == {"topic", "type", "id", "customer_id", "version", "actor", "time"}
        assert not ana_live.changes(west["id"])  # sales asked with ana's token: another team's deal
        assert (await ana.get(f"/api/sales/deals/{west['id']}")).status_code in (403, 404)
        resume_from = ana_live.changes(east["id"])[-1]["id"]

        # the head of sales moves ana's deal: ana's bell rings, the change is live
        r = await li.post(
            f"/api/sales/deals/{east['id']}/stage",
            headers={**li_w, "If-Match": f'"{east["version"]}"'},
            json={"stage": "qualification"},
        )
        assert r.status_code == 200, r.text
        assert r.headers["etag"]
        await eventually(lambda: len(ana_live.changes(east["id"])) >= 2, timeout_s=30)

    async def bell() -> dict[str, Any]:
        items = (await ana.get("/api/notifications")).json()
        return next(i for i in items if i["record_id"] == east["id"])  # StopIteration: not yet

    item = await eventually(lambda: _safe(bell), timeout_s=15)
    assert item["read"] is False
    assert "Console deal" in item["title"]
    assert (await ana.post("/api/notifications/read", headers=ana_w, json={"ids": [item["id"]]})).status_code == 204
    assert next(i for i in (await ana.get("/api/notifications")).json() if i["id"] == item["id"])["read"] is True

    async with streaming(ana, last_event_id=resume_from) as resumed:
        await eventually(lambda: resumed.changes(east["id"]), timeout_s=10)  # the missed stage change, replayed
        assert resumed.messages[0]["data"] == {"resumed": True}

    # a readonly user is refused by the service itself; saved views live in the console's database
    r = await auditor.post("/api/contacts/customers", headers=auditor_w, json={"kind": "company", "display_name": "No"})
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    view = {"name": "Mine", "screen": "deals", "filters": {"owner_id": "ana"}, "columns": ["name"], "sort": "-amount"}
    assert (await ana.post("/api/views", headers=ana_w, json=view)).status_code == 201
    assert [v["name"] for v in (await ana.get("/api/views", params={"screen": "deals"})).json()] == ["Mine"]
    for c in (ana, fang, li, auditor):
        await c.aclose()
