"""On the real broker and store: a customer's tombstone on ``crm.customer`` deletes its
customer documents (deals closed, tickets), registers the erasure, and a later deal
event of that customer is applied to the figures but writes no customer document
again; other customers keep theirs."""

from __future__ import annotations

from typing import Any

import pytest
from crm_devtools.testkit import eventually, running_worker
from crm_insights.adapters.mongo import STATES
from crm_insights.entrypoints.worker import create_worker
from crm_insights.testing import ScriptedDeal, day, scripted_history, scripted_tickets
from crm_shared.erasure import ERASURE_REGISTER
from crm_shared.kafka.producer import EventPublisher
from crm_shared.mongo import make_client
from crm_shared.topics import Topics

from .test_live_and_rebuild import publish, settings_for

pytestmark = pytest.mark.integration


async def test_a_tombstone_drops_the_customer_documents_and_keeps_them_dropped(
    crm_env: dict[str, str], topics: Topics, mongo_database: str
) -> None:
    settings = settings_for(crm_env)
    servers = settings.kafka_bootstrap_servers
    await publish(servers, topics.deal, scripted_history())
    await publish(servers, topics.ticket, scripted_tickets())
    client = make_client(settings.mongodb_url)
    states = client[mongo_database][STATES]

    async def ids(*keys: str) -> set[str]:
        return {d["_id"] async for d in states.find({"_id": {"$in": list(keys)}}, {"_id": 1})}

    c1 = ("customer-deals:c1", "customer-tickets:c1")
    c2 = ("customer-deals:c2", "customer-tickets:c2")
    try:
        async with running_worker(create_worker(settings, web_enabled=False)):

            async def fed() -> bool:
                assert await ids(*c1, *c2) == {*c1, *c2}
                return True

            await eventually(fed, timeout_s=90)
            tombstones = EventPublisher(servers, client_id="insights-test")
            await tombstones.start()
            try:
                await tombstones.send_raw(topics.customer, key=b"c1", value=None)
            finally:
                await tombstones.stop()

            async def dropped() -> bool:
                assert await ids(*c1, *c2) == set(c2)
                registered = await client[mongo_database][ERASURE_REGISTER].find_one({"_id": "c1"})
                assert registered is not None
                return True

            await eventually(dropped, timeout_s=90)
            late = ScriptedDeal("d9", "c1", "p1", "qualify", 20, "700.00", "EUR", "alice", "t1", day("2026-03-01"))
            await publish(servers, topics.deal, [late.create(), late.close("won", day("2026-03-02"))])

            async def applied() -> dict[str, Any]:
                deal = await states.find_one({"_id": "deal:d9"})
                assert deal is not None
                assert deal["version"] == 2
                return deal

            await eventually(applied, timeout_s=90)
            assert await ids(*c1) == set()  # the won deal counted in the figures, not for c1
    finally:
        await client.close()
