"""R1: the broker SIGKILLed (no clean shutdown) during a stream of updates, then started
again on the same data: every acknowledged revision ends up on the topic once (a
redelivery of the same event id is de-duplicated by consumers, a second event for one
revision would not be), and writes were answered all along.

A private broker on free ports (``crm_devtools.outages``): the shared one serves others.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import defaultdict
from typing import Any

import httpx
import psutil
import pytest
from crm_devtools.infra.procs import our_process
from crm_devtools.outages import PrivateInfra
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_shared.provision import ensure_topics
from crm_shared.topics import Topics

from .support import Result, read_events, size, token

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.reliability]

WRITERS = 4


def sigkill_broker(private: PrivateInfra) -> None:
    proc = our_process(private.infra.record("kafka"))
    assert proc is not None, "the private broker is not running"
    family = [proc, *proc.children(recursive=True)]
    for p in family:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(family, timeout=10)


async def test_r1_broker_killed_during_updates(
    private_kafka: PrivateInfra, mongodb_url: str, mongo_database: str, free_port: Any, scenario: Result
) -> None:
    updates = size(ci=100, small=200, full=10_000)
    kills = size(ci=1, small=1, full=3)
    scenario.scenario, scenario.size = "R1 broker SIGKILL during updates (private broker)", f"{updates} x{kills} kill"
    topics = Topics(f"t{uuid.uuid4().hex[:8]}.")
    ensure_topics(private_kafka.kafka_bootstrap_servers, topics)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": private_kafka.kafka_bootstrap_servers,
        "MONGODB_URL": mongodb_url,
        "CRM_MONGODB_DATABASE": mongo_database,
        "CRM_TOPIC_PREFIX": topics.prefix,
        "CRM_ENV": "test",
    }
    port = free_port()
    specs = process_specs(["contacts"], env=env, ports={"contacts": (port, free_port())}, roles=["api"])
    acked: set[tuple[str, int]] = set()
    wrong: list[str] = []
    progress = asyncio.Event()
    with start_services(specs, health_timeout_s=120):
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=30, headers={"Authorization": f"Bearer {token()}"}
        ) as client:

            async def writer(w: int) -> None:
                created = await client.post("/customers", json={"kind": "company", "display_name": f"R1 {w}"})
                if created.status_code != 201:
                    wrong.append(f"create {created.status_code}")
                    return
                cid, version = created.json()["id"], 1
                acked.add((cid, version))
                while len(acked) < updates:
                    answer = await client.patch(
                        f"/customers/{cid}", json={"industry": f"I{version}"}, headers={"If-Match": f'"{version}"'}
                    )
                    if answer.status_code != 200:
                        wrong.append(f"patch {answer.status_code} {answer.text[:80]}")
                        await asyncio.sleep(0.5)
                        continue
                    version = answer.json()["version"]
                    acked.add((cid, version))
                    progress.set()

            writing = asyncio.gather(*(writer(w) for w in range(WRITERS)))
            back_at = time.monotonic()
            for k in range(kills):
                while len(acked) < (k + 1) * updates / (kills + 1) and not writing.done():
                    progress.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(progress.wait(), 1)
                await asyncio.to_thread(sigkill_broker, private_kafka)
                await asyncio.sleep(3)
                await asyncio.to_thread(private_kafka.start, "kafka")
                back_at = time.monotonic()
            await writing

            deadline = time.monotonic() + 120
            while True:
                events = await asyncio.to_thread(
                    read_events, private_kafka.kafka_bootstrap_servers, topics.customer, wait_s=3.0
                )
                ids: dict[tuple[str, int], set[str]] = defaultdict(set)
                for event in events:
                    ids[(event.subject or "", event.sequence)].add(event.id)
                if acked <= set(ids) or time.monotonic() > deadline:
                    break
            scenario.recovery_s = time.monotonic() - back_at
    lost = len(acked - set(ids))
    duplicated = sum(len(v) > 1 for v in ids.values())
    redelivered = len(events) - len({e.id for e in events})
    scenario.notes.append(f"{len(acked)} acknowledged revisions, {redelivered} redelivered events (same id)")
    scenario.lost, scenario.duplicated, scenario.wrong = lost, duplicated, len(wrong)
    assert (lost, duplicated, wrong) == (0, 0, [])
