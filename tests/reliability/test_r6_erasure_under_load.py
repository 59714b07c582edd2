"""R6: customers erased while contacts takes a steady stream of updates (100/s asked for;
what the machine sustained is in the notes): each erased customer's personal data is gone
from sales' and service-desk's replicas, timed per erasure from its request to the moment
neither replica holds a name, e-mail or phone of it (contacts answers once the erasure is
done, which can be after the replicas dropped the data); p50/p99 in the notes, p99 as
the recovery time (the issue's target is 5 s: reported, not asserted). Then every erased
customer's old ``crm.customer.created`` is produced again (a replay) and a sales worker
with a fresh database and consumer group rebuilds its replica from the start of
``crm.customer``: neither brings any of them back.

``wrong``: an erased customer whose personal data is readable in a replica after the
erasure settled, after the replay or after the rebuild. ``lost``: an erasure answered
200 whose data never went. Processes: contacts (API and worker), sales' and
service-desk's workers, on the shared broker and store.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import statistics
import time
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_shared.topics import PARTITIONS, Topics
from pymongo import AsyncMongoClient

from .support import Result, size, token

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.reliability]

ADMIN = {"Authorization": f"Bearer {token()}"}
REPLICAS = ("sales", "service-desk")


def person(run: str, i: int) -> dict[str, Any]:
    return {
        "kind": "person",
        "display_name": f"Rsix{run} Person{i}",
        "first_name": f"Rsix{run}",
        "last_name": f"Person{i}",
        "emails": [f"rsix-{run}-{i}@example.org"],
        "phones": [f"+49301{i:06d}"],
    }


def personal(body: dict[str, Any]) -> tuple[str, ...]:
    return (body["first_name"], body["last_name"], body["emails"][0], body["phones"][0])


class Replicas:
    """sales' and service-desk's ``customer_replica`` (one database each)."""

    def __init__(self, url: str, dbs: dict[str, str]) -> None:
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
        self.dbs = dbs

    async def holding(self, cid: str, values: tuple[str, ...]) -> list[str]:
        """The services whose replica shows any of ``values`` for ``cid``."""
        found = []
        for svc, db in self.dbs.items():
            doc = await self.client[db]["customer_replica"].find_one({"_id": cid})
            if doc is not None and any(v.lower() in repr(doc).lower() for v in values):
                found.append(svc)
        return found

    async def count(self, ids: list[str]) -> int:
        counts = [
            await self.client[db]["customer_replica"].count_documents({"_id": {"$in": ids}}) for db in self.dbs.values()
        ]
        return min(counts)


async def load(client: httpx.AsyncClient, ids: list[str], rate: float, stop: asyncio.Event, acked: list[float]) -> None:
    """Each writer patches its own customer, paced so that all together make ``rate``/s."""

    async def writer(cid: str) -> None:
        version = 1
        while not stop.is_set():
            started = time.monotonic()
            r = await client.patch(
                f"/customers/{cid}", json={"industry": f"i{version}"}, headers={**ADMIN, "If-Match": f'"{version}"'}
            )
            if r.status_code == 200:
                version += 1
                acked.append(time.monotonic())
            elif r.status_code == 412:
                version = int(r.json().get("current_version", version))
            await asyncio.sleep(max(0.0, len(ids) / rate - (time.monotonic() - started)))

    await asyncio.gather(*(writer(cid) for cid in ids))


async def records_of(
    bootstrap: str, topic: str, keys: set[str]
) -> dict[str, list[tuple[bytes | None, dict[str, bytes]]]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    found: dict[str, list[tuple[bytes | None, dict[str, bytes]]]] = {k: [] for k in keys}
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    if r.key is not None and r.key.decode() in found:
                        found[r.key.decode()].append((r.value, dict(r.headers)))
    finally:
        await consumer.stop()
    return found


async def caught_up(bootstrap: str, group: str, topic: str) -> bool:
    """``group`` has committed the end of every partition of ``topic``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
    finally:
        await consumer.stop()
        await admin.close()
    return all(ends[tp] == 0 or (tp in committed and committed[tp].offset >= ends[tp]) for tp in partitions)


@pytest.mark.timeout(2400)  # minutes of load on a shared machine
async def test_r6_erasure_under_load_then_replay_and_rebuild(
    crm_env: dict[str, str], free_port: Any, kafka_bootstrap_servers: str, scenario: Result
) -> None:
    rate = size(ci=20, small=100, full=100)
    erasures = size(ci=4, small=20, full=100)
    writers = size(ci=8, small=20, full=40)
    scenario.scenario, scenario.size = (
        "R6 erasure under load, replay, rebuild",
        f"{erasures} erased at {rate} updates/s asked",
    )
    run = uuid.uuid4().hex[:6]
    base = crm_env["CRM_MONGODB_DATABASE"]
    dbs = {"sales": f"{base}_sales", "service-desk": f"{base}_sd"}
    ports = {svc: (free_port(), free_port()) for svc in ("contacts", *REPLICAS)}
    env = {**crm_env, "CRM_LOG_JSON": "false"}
    specs = process_specs(["contacts"], env=env, ports=ports)
    for svc, db in dbs.items():
        specs += process_specs([svc], env={**env, "CRM_MONGODB_DATABASE": db}, ports=ports, roles=["worker"])
    topic = Topics(crm_env["CRM_TOPIC_PREFIX"]).customer
    replicas = Replicas(crm_env["MONGODB_URL"], dbs)
    latencies: list[float] = []
    leaks: list[str] = []
    try:
        with start_services(specs, health_timeout_s=180):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['contacts'][0]}", timeout=60) as contacts:
                bodies: dict[str, dict[str, Any]] = {}
                for i in range(writers + erasures):
                    body = person(run, i)
                    r = await contacts.post("/customers", json=body, headers=ADMIN)
                    assert r.status_code == 201, r.text
                    bodies[r.json()["id"]] = body
                ids = list(bodies)
                busy, erased = ids[:writers], ids[writers:]
                await eventually(lambda: _all_there(replicas, ids), timeout_s=180, interval_s=0.5)
                for cid in erased:  # what the erasure must remove is there to begin with
                    assert await replicas.holding(cid, personal(bodies[cid])) == list(REPLICAS), cid

                stop, acked = asyncio.Event(), list[float]()
                loader = asyncio.create_task(load(contacts, busy, rate, stop, acked))
                load_started = time.monotonic()
                try:
                    await asyncio.sleep(2)  # the load is on before the first erasure
                    watchers, answered, busy_answers, not_done = [], list[float](), [0], 0
                    for n, cid in enumerate(erased):
                        asked = time.monotonic()  # watched from the request on, not from its answer
                        watchers.append(asyncio.create_task(_gone(replicas, cid, personal(bodies[cid]), asked)))
                        r = await erase(contacts, cid, f"r6-{run}-{n}", busy_answers)
                        assert r.status_code == 200, r.text
                        not_done += not r.json()["done"]  # the tombstone waits for the sweeper
                        answered.append(time.monotonic() - asked)
                        await asyncio.sleep(0.25)
                    results = await asyncio.gather(*watchers)
                finally:
                    stop.set()
                    await loader
                took = time.monotonic() - load_started
                in_window = [t for t in acked if t - load_started <= took]
                scenario.notes.append(
                    f"load: {len(in_window)} updates acknowledged in {took:.1f}s"
                    f" ({len(in_window) / took:.0f}/s; {rate}/s asked)"
                )
                # gone everywhere: from both replicas, and from contacts (it answers ``done`` once
                # its record, history, 360 data and timeline are erased and the event is out)
                latencies = [max(t, a) for t, a in zip(results, answered, strict=True) if t is not None]
                replicas_gone = [t for t in results if t is not None]
                scenario.notes.append(
                    f"erasure requests answered (done) in p50 {statistics.median(answered):.2f}s,"
                    f" p99 {_p99(answered):.2f}s, max {max(answered):.2f}s"
                    f" ({busy_answers[0]} 503 'saturated' answers asked again, as a client does;"
                    f" {not_done} answered before their tombstone)"
                )
                if replicas_gone:
                    scenario.notes.append(
                        f"gone from both replicas: p50 {statistics.median(replicas_gone):.2f}s,"
                        f" p99 {_p99(replicas_gone):.2f}s"
                    )
                scenario.lost = sum(1 for t in results if t is None)

                # the replay: each erased customer's old created record, produced again as it was
                records = await records_of(kafka_bootstrap_servers, topic, set(erased))
                producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
                await producer.start()
                try:
                    for cid in erased:
                        created = next(v for v, h in records[cid] if h.get("ce_type") == b"crm.customer.created")
                        await producer.send_and_wait(
                            topic, created, key=cid.encode(), headers=[("ce_type", b"crm.customer.created")]
                        )
                finally:
                    await producer.stop()
                prefix = crm_env["CRM_TOPIC_PREFIX"]
                for svc in REPLICAS:
                    group_of = functools.partial(caught_up, kafka_bootstrap_servers, f"{prefix}crm-{svc}", topic)
                    await eventually(group_of, timeout_s=120, interval_s=1)
                for cid in erased:
                    leaks += [
                        f"after replay: {cid} in {svc}" for svc in await replicas.holding(cid, personal(bodies[cid]))
                    ]

        # the rebuild: a sales worker on a fresh database and group, from the start of the topic
        rebuilt = {"sales": f"{base}_sales_rebuilt"}
        group = f"{crm_env['CRM_TOPIC_PREFIX']}r6-rebuild"
        port = {"sales": (free_port(), free_port())}
        env_rebuild = {**env, "CRM_MONGODB_DATABASE": rebuilt["sales"], "CRM_WORKER_GROUP": group}
        with start_services(
            process_specs(["sales"], env=env_rebuild, ports=port, roles=["worker"]), health_timeout_s=180
        ):
            await eventually(lambda: caught_up(kafka_bootstrap_servers, group, topic), timeout_s=180, interval_s=1)
        fresh = Replicas(crm_env["MONGODB_URL"], rebuilt)
        try:
            assert await fresh.count(busy) == len(busy)  # it did read the topic
            for cid in erased:
                leaks += [f"after rebuild: {cid}" for _ in await fresh.holding(cid, personal(bodies[cid]))]
        finally:
            await fresh.client.close()
    finally:
        for db in (*dbs.values(), f"{base}_sales_rebuilt"):
            with contextlib.suppress(Exception):
                await replicas.client.drop_database(db)
        await replicas.client.close()

    scenario.wrong, scenario.duplicated = len(leaks), 0
    if latencies:
        scenario.recovery_s = _p99(latencies)
        scenario.notes.append(
            f"erasure done everywhere (contacts and both replicas): p50 {statistics.median(latencies):.2f}s,"
            f" p99 {_p99(latencies):.2f}s, max {max(latencies):.2f}s (target p99 5 s)"
        )
    scenario.notes += leaks[:5]
    assert (scenario.lost, leaks) == (0, [])


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def erase(client: httpx.AsyncClient, cid: str, request_id: str, busy: list[int]) -> httpx.Response:
    """The erasure request, asked again after a 503 (the API is saturated by the load) as its
    ``Retry-After`` says; contacts answers once it has published the erasure."""
    while True:
        r = await client.post(f"/customers/{cid}/erasure", headers=ADMIN, json={"request_id": request_id}, timeout=300)
        if r.status_code != 503:
            return r
        busy[0] += 1
        await asyncio.sleep(float(r.headers.get("retry-after", "1")))


async def _all_there(replicas: Replicas, ids: list[str]) -> bool:
    return await replicas.count(ids) == len(ids)


async def _gone(
    replicas: Replicas, cid: str, values: tuple[str, ...], since: float, timeout_s: float = 120
) -> float | None:
    """Seconds from ``since`` until no replica shows ``values`` for ``cid`` (None: never)."""
    while time.monotonic() - since < timeout_s:
        if not await replicas.holding(cid, values):
            return time.monotonic() - since
        await asyncio.sleep(0.05)
    return None
