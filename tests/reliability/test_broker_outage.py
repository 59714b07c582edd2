"""Issue 16 item 3: a Kafka outage must block neither writes nor reads.

Contacts' API runs as a process on a private broker that the test really stops (the
process is gone, the port closed) and starts again. Writes during the outage answer
2xx fast (the revision is the outbox), reads keep answering, and once the broker is
back every revision's event is published, once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from crm_devtools.outages import PrivateInfra
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.provision import ensure_topics
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from kafka import KafkaConsumer

pytestmark = [pytest.mark.e2e, pytest.mark.integration]  # a defect test: in make test too

WRITES = 12
FAST_S = 3.0  # a write answered within this did not wait on the broker (its timeout is 15 s)


def _published(bootstrap: str, topic: str) -> Counter[tuple[str, int]]:
    """(subject, sequence) of every event on ``topic``, with how often each was published."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=1000
    )
    try:
        seen: Counter[tuple[str, int]] = Counter()
        for record in consumer:
            if record.value is not None:
                event = CloudEvent.from_bytes(record.value)
                seen[(event.subject, event.sequence)] += 1
        return seen
    finally:
        consumer.close()


async def test_writes_and_reads_go_on_while_the_broker_is_down(
    private_kafka: PrivateInfra, mongodb_url: str, mongo_database: str, free_port: Any
) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}."
    topics = Topics(prefix)
    ensure_topics(private_kafka.kafka_bootstrap_servers, topics)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": private_kafka.kafka_bootstrap_servers,
        "MONGODB_URL": mongodb_url,
        "CRM_MONGODB_DATABASE": mongo_database,
        "CRM_TOPIC_PREFIX": prefix,
        "CRM_ENV": "test",
    }
    port = free_port()
    specs = process_specs(["contacts"], env=env, ports={"contacts": (port, free_port())}, roles=["api"])
    token = mint_token(CrmSettings(), sub="rep-1", roles=["sales"], department="sales")
    expected: set[tuple[str, int]] = set()
    with start_services(specs, health_timeout_s=120):
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            first = await _create(client, 0, timed=False)  # the first write warms the process up
            expected.add((first["id"], 1))

            await asyncio.to_thread(private_kafka.stop, "kafka")
            slowest = 0.0
            for i in range(1, WRITES + 1):
                started = time.monotonic()
                created = await _create(client, i)
                patched = await client.patch(
                    f"/customers/{created['id']}", json={"industry": "Retail"}, headers={"If-Match": '"1"'}
                )
                assert patched.status_code == 200, patched.text
                slowest = max(slowest, time.monotonic() - started)
                expected |= {(created["id"], 1), (created["id"], 2)}
            concurrent = await asyncio.gather(
                *(_create(client, 100 + i) for i in range(8)),
                *(client.get(f"/customers/{first['id']}") for _ in range(4)),
            )
            expected |= {(c["id"], 1) for c in concurrent[:8]}
            assert all(r.status_code == 200 for r in concurrent[8:])
            read = await client.get(f"/customers/{first['id']}")
            assert read.status_code == 200
            assert slowest < FAST_S, f"a write waited {slowest:.1f}s on the broker"

            await asyncio.to_thread(private_kafka.start, "kafka")

            def all_published() -> Counter[tuple[str, int]]:
                seen = _published(private_kafka.kafka_bootstrap_servers, topics.customer)
                assert expected <= set(seen), f"missing {len(expected - set(seen))} of {len(expected)}"
                return seen

            seen = await eventually(lambda: asyncio.to_thread(all_published), timeout_s=90, interval_s=2)
    duplicated = {k: n for k, n in seen.items() if n > 1}
    assert duplicated == {}, duplicated


async def _create(client: httpx.AsyncClient, i: int, *, timed: bool = True) -> dict[str, Any]:
    started = time.monotonic()
    answer = await client.post(
        "/customers",
        json={
            "kind": "person",
            "first_name": "Ada",
            "last_name": f"L{i}",
            "emails": [f"ada{i}-{uuid.uuid4().hex[:6]}@example.org"],
        },
    )
    assert answer.status_code in (200, 201), answer.text
    assert not timed or time.monotonic() - started < FAST_S, f"a write waited {time.monotonic() - started:.1f}s"
    body: dict[str, Any] = answer.json()
    return body
