"""Contacts API + worker as real processes: the 360 view follows deal and ticket events, a won deal
makes a customer, a merge re-points the 360 data, and SSE clients see changes live and resume."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.events.samples import sample_event
from crm_shared.kafka.producer import EventPublisher
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SSE = dict[str, str]


async def sse_events(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> AsyncIterator[SSE]:
    """Messages of a Server-Sent Events stream: ``{"id", "event", "data"}``."""
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        message: SSE = {}
        async for line in response.aiter_lines():
            if not line:
                if "data" in message:
                    yield message
                message = {}
            elif not line.startswith(":"):
                field, _, value = line.partition(":")
                message[field] = value.removeprefix(" ")


class Listener:
    """An SSE client in the background: messages land in a queue with their arrival time."""

    def __init__(self, client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
        self.queue: asyncio.Queue[tuple[float, SSE]] = asyncio.Queue()
        self._task = asyncio.create_task(self._run(client, url, headers))

    async def _run(self, client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
        async for message in sse_events(client, url, headers):
            await self.queue.put((time.monotonic(), message))

    async def next(self, event: str, timeout_s: float = 10.0) -> tuple[float, SSE]:
        async with asyncio.timeout(timeout_s):
            while True:
                at, message = await self.queue.get()
                if message.get("event") == event:
                    return at, message

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def about(event_type: str, customer_id: str) -> CloudEvent:
    """The sample event of ``event_type``, re-keyed to ``customer_id``."""
    sample = sample_event(event_type)
    payload = sample.payload()
    snapshot = payload.snapshot.model_copy(update={"customer_id": customer_id})  # type: ignore[attr-defined]
    data = payload.model_copy(update={"snapshot": snapshot})
    return CloudEvent.model_validate(
        {
            **sample.model_dump(),
            "id": f"{sample.id[:24]}{customer_id[-12:]}",
            "customerid": customer_id,
            "data": data.model_dump(mode="json"),
        }
    )


async def test_360_lifecycle_merge_and_live_stream(
    crm_env: dict[str, str], topics: Topics, free_port: int, kafka_bootstrap_servers: str
) -> None:
    settings = CrmSettings()
    admin = {"Authorization": f"Bearer {mint_token(settings, sub='alice', roles=['admin'], department='sales')}"}
    specs = process_specs(["contacts"], env=crm_env, ports={"contacts": (free_port(), free_port())})
    publisher = EventPublisher(kafka_bootstrap_servers)
    await publisher.start()
    with start_services(specs) as procs:
        base = procs["contacts-api"].spec.url
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            body: dict[str, Any] = {
                "kind": "person",
                "first_name": "Lena",
                "last_name": "Fischer",
                "emails": ["lena@nordwind.example"],
                "lifecycle_stage": "opportunity",
            }
            lena = (await client.post("/customers", json=body, headers=admin)).json()
            cid = lena["id"]

            # -- live: a PATCH reaches an SSE client within 1 s -------------------------------------
            listener = Listener(client, f"/customers/{cid}/events", admin)
            await listener.next("ready")
            sent = time.monotonic()
            patched = await client.patch(
                f"/customers/{cid}", json={"tier": "gold"}, headers={**admin, "If-Match": '"1"'}
            )
            assert patched.status_code == 200
            arrived, message = await listener.next("crm.customer.updated", timeout_s=1.0)
            assert arrived - sent < 1.0
            first = orjson.loads(message["data"])
            assert (first["sequence"], first["data"]["snapshot"]["tier"]) == (2, "gold")
            await listener.close()

            # -- resume: a change made while disconnected is replayed after Last-Event-ID ----------
            await client.patch(f"/customers/{cid}", json={"tier": "platinum"}, headers={**admin, "If-Match": '"2"'})
            resumed = Listener(client, f"/events?customer_id={cid}", {**admin, "Last-Event-ID": message["id"]})
            _, replayed = await resumed.next("crm.customer.updated")
            assert orjson.loads(replayed["data"])["sequence"] == 3
            await resumed.close()

            # -- 360: deal and ticket events produced by another department ---------------------
            # The worker must own its partitions first: the 360 is about following events, not
            # about how long a worker takes to start (a CI run once waited 30 s here for them).
            worker = procs["contacts-worker"]
            started = time.monotonic()
            await eventually(lambda: asyncio.to_thread(worker.ready), timeout_s=120)
            print(f"contacts worker ready (owns its partitions) {time.monotonic() - started:.1f} s after the checks")
            await publisher.publish_many(
                [(topics.deal, about("crm.deal.created", cid)), (topics.ticket, about("crm.ticket.opened", cid))]
            )

            async def view() -> dict[str, Any]:
                return (await client.get(f"/customers/{cid}/360", headers=admin)).json()  # type: ignore[no-any-return]

            async def has_deal_and_ticket() -> bool:
                v = await view()
                return bool(v["deals"]["open_count"] == 1 and v["tickets"]["open_count"] == 1)

            await eventually(has_deal_and_ticket)
            v = await view()
            assert v["deals"]["pipeline_value"] == {"EUR": "48300.00"}
            assert v["tickets"]["open_by_priority"]["normal"] == 1
            assert {"crm.deal.created", "crm.ticket.opened"} <= {i["type"] for i in v["timeline"]["items"]}

            # -- lifecycle: sales wins the deal, contacts makes her a customer ----------------------
            await publisher.publish(topics.deal, about("crm.deal.won", cid))

            async def is_customer() -> bool:
                return bool((await view())["customer"]["lifecycle_stage"] == "customer")

            await eventually(is_customer)
            history = (await client.get(f"/customers/{cid}/history", headers=admin)).json()["items"]
            assert (history[0]["type"], history[0]["actor"], history[0]["origin"]) == (
                "lifecycle",
                "system:contacts",
                "contacts:lifecycle",
            )

            # -- merge: a duplicate's ticket moves to the survivor ----------------------------------
            dup = (await client.post("/customers", json={**body, "first_name": "L."}, headers=admin)).json()
            ticket = about("crm.ticket.opened", dup["id"])
            ticket = CloudEvent.model_validate(
                {
                    **ticket.model_dump(),
                    "data": {
                        **ticket.data,
                        "snapshot": {**ticket.data["snapshot"], "id": "ticket-of-dup", "priority": "urgent"},
                    },
                }
            )
            await publisher.publish(topics.ticket, ticket)

            async def dup_has_ticket() -> bool:
                r = await client.get(f"/customers/{dup['id']}/360", headers=admin)
                return bool(r.json()["tickets"]["open_count"] == 1)

            await eventually(dup_has_ticket)
            merged = await client.post(f"/customers/{cid}/merge", json={"duplicate_ids": [dup["id"]]}, headers=admin)
            assert merged.status_code == 200

            async def survivor_has_both() -> bool:
                return bool((await view())["tickets"]["open_by_priority"]["urgent"] == 1)

            await eventually(survivor_has_both)
            again = await client.post(f"/customers/{cid}/merge", json={"duplicate_ids": [dup["id"]]}, headers=admin)
            assert again.json()["noop"] is True
    await publisher.stop()
