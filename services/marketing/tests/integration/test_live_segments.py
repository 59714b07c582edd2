"""On the real broker and store: the real worker keeps a segment's membership current from
customer, deal and ticket events, emits entered/left events with their cause, records
contacts' consent changes in the ledger, and erases the customer's marketing data."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from crm_devtools.testkit import api_client, eventually, running_worker
from crm_marketing.entrypoints.api import create_api
from crm_marketing.entrypoints.worker import create_worker
from crm_marketing.settings import MarketingSettings
from crm_marketing.testing import customer, deal_won, erased, ticket_opened
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics
from kafka import KafkaConsumer

pytestmark = pytest.mark.integration
SettingsFactory = Callable[..., MarketingSettings]

VIP_WITH_CONSENT = {
    "match": "all",
    "conditions": [
        {"field": "consent.email", "op": "eq", "value": True},
        {
            "match": "any",
            "conditions": [
                {"field": "tags", "op": "contains", "value": "vip"},
                {"field": "deals_won", "op": "gte", "value": 1},
            ],
        },
        {"negate": True, "conditions": [{"field": "open_tickets", "op": "gt", "value": 0}]},
    ],
}


def read_events(servers: str, topic: str) -> list[CloudEvent]:
    consumer = KafkaConsumer(
        topic, bootstrap_servers=servers, auto_offset_reset="earliest", consumer_timeout_ms=3000, group_id=None
    )
    try:
        return [CloudEvent.from_bytes(m.value) for m in consumer if m.value is not None]
    finally:
        consumer.close()


async def test_membership_follows_the_events(make_settings: SettingsFactory, topics: Topics) -> None:
    settings = make_settings()
    servers = settings.kafka_bootstrap_servers
    publisher = EventPublisher(servers, client_id="marketing-test")
    await publisher.start()
    token = mint_token(settings, sub="mia", roles=["marketing"])
    try:
        await _script(settings, topics, publisher, token)
    finally:
        await publisher.stop()
    changes = [
        (e.payload().customer_id, e.payload().change, e.payload().cause)  # type: ignore[attr-defined]
        for e in await asyncio.to_thread(read_events, servers, topics.segment)
        if e.type == "crm.segment.membership_changed"
    ]
    by_customer: dict[str, list[tuple[str, str]]] = {}
    for customer_id, change, cause in changes:  # ordered per key (partition), not across keys
        by_customer.setdefault(customer_id, []).append((change, cause))
    assert by_customer == {
        "c1": [("entered", "crm.deal.won"), ("left", "crm.customer.updated")],
        "c2": [("entered", "segment.saved"), ("left", "crm.ticket.opened")],
        "c3": [("entered", "crm.customer.updated"), ("left", "crm.customer.erased")],
    }


async def _script(settings: MarketingSettings, topics: Topics, publisher: EventPublisher, token: str) -> None:
    async def send(topic: str, *events: CloudEvent) -> None:
        await publisher.publish_many([(topic, e) for e in events])

    async with (
        api_client(create_api(settings), headers={"Authorization": f"Bearer {token}"}) as api,
        running_worker(create_worker(settings, web_enabled=False)),
    ):
        await send(topics.customer, customer("c1"), customer("c2", tags=["vip"]), customer("c3", consent=False))
        preview = await eventually(lambda: _preview(api, expect=1))
        assert preview["sample_ids"] == ["c2"]
        created = await api.post("/segments", json={"name": "VIP", "conditions": VIP_WITH_CONSENT})
        assert created.status_code == 201, created.text
        seg = created.json()["id"]

        async def members() -> list[str]:
            answer = await api.get(f"/segments/{seg}/members")
            assert answer.status_code == 200, answer.text
            return list(answer.json()["customer_ids"])

        await eventually(lambda: _equal(members(), ["c2"]))  # the backfill of a new segment
        await send(topics.deal, deal_won("d1", "c1"))  # c1 wins a deal: enters
        await eventually(lambda: _equal(members(), ["c1", "c2"]))
        await send(topics.ticket, ticket_opened("t1", "c2"))  # c2 opens a ticket: leaves
        await eventually(lambda: _equal(members(), ["c1"]))
        await send(topics.customer, customer("c1", 2, consent=False))  # c1 withdraws in contacts: leaves
        await eventually(lambda: _equal(members(), []))
        ledger = (await api.get("/consents/c1")).json()
        assert [(e["action"], e["source"]) for e in ledger["entries"]] == [
            ("granted", "contacts"),
            ("withdrawn", "contacts"),
        ]
        await send(topics.customer, customer("c3", 2, consent=True, tags=["vip"]))  # c3 consents: enters
        await eventually(lambda: _equal(members(), ["c3"]))
        await send(topics.customer, erased("c3", 3))  # erasure: leaves, ledger gone
        await eventually(lambda: _equal(members(), []))

        async def ledger_gone() -> bool:
            return (await api.get("/consents/c3")).json()["entries"] == []

        await eventually(ledger_gone)


async def _preview(api: Any, *, expect: int) -> dict[str, Any] | None:
    answer = await api.post("/segments/preview", json={"conditions": VIP_WITH_CONSENT})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body if body["of"] == 3 and body["count"] == expect else None


async def _equal(value: Any, expected: list[str]) -> bool:
    got = await value
    assert got == expected, got
    return True
