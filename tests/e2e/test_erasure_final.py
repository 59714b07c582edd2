"""Erasure is final (issue 16, item 5), with contacts, sales and service-desk as real
processes on the real broker and store.

A customer is erased in contacts; then its old ``crm.customer.created`` is produced
again to ``crm.customer`` (the replay the dead-letter runbook used to describe): sales'
``GET /deals/{id}`` and service-desk's ticket view still show no name, e-mail or phone,
both workers count the record as refused, and contacts (the topic's owner) answers it
with a fresh tombstone, so compaction keeps the erasure. Then sales and service-desk
workers with a fresh database and consumer group rebuild their replicas from the start
of ``crm.customer``: the erased customer does not come back.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings
from crm_shared.topics import PARTITIONS, Topics
from pymongo import MongoClient

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

NAME, FIRST, LAST = "Lena Fischer", "Lena", "Fischer"
EMAIL, PHONE = "lena.fischer@nordwind.example", "+4930123456"
PERSONAL = (FIRST, LAST, EMAIL, PHONE)
REFUSED = {"sales": "sales.customer-replica", "service-desk": "service-desk.customers"}


def _bearer(sub: str, roles: list[str], **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(CrmSettings(), sub=sub, roles=roles, **kw)}"}


def _without_personal_data(text: str) -> bool:
    return not any(p.lower() in text.lower() for p in PERSONAL)


async def _refused(worker_port: int, consumer: str) -> float:
    """The worker's count of customer records refused as erased."""
    async with httpx.AsyncClient(timeout=5) as http:
        try:
            text = (await http.get(f"http://127.0.0.1:{worker_port}/metrics")).text
        except httpx.HTTPError:
            return 0.0
    labels = rf'[^}}]*consumer="{re.escape(consumer)}"[^}}]*outcome="erased"[^}}]*'
    pattern = rf"^crm_events_consumed_total\{{{labels}\}} (\S+)"
    return sum(float(m.group(1)) for m in re.finditer(pattern, text, re.MULTILINE))


async def _records_of(bootstrap: str, topic: str, key: str) -> list[tuple[bytes | None, dict[str, bytes]]]:
    """Every record of ``key`` on ``topic``, in order (value, headers)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[tuple[bytes | None, dict[str, bytes]]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += [(r.value, dict(r.headers)) for r in records if r.key == key.encode()]
        return found
    finally:
        await consumer.stop()


async def test_erasure_survives_a_replay_and_a_rebuild(crm_env: dict[str, str], free_port: Any) -> None:
    env = {**crm_env, "CRM_LOG_JSON": "false"}
    base = crm_env["CRM_MONGODB_DATABASE"]
    dbs = {"sales": f"{base}_sales", "service-desk": f"{base}_sd"}
    rebuilt = {"sales": f"{base}_sales_rebuilt", "service-desk": f"{base}_sd_rebuilt"}
    ports = {name: (free_port(), free_port()) for name in ("contacts", *dbs)}
    contacts_url = f"http://127.0.0.1:{ports['contacts'][0]}"
    specs = process_specs(["contacts"], env=env, ports=ports)
    for svc, db in dbs.items():
        specs += process_specs(
            [svc], env={**env, "CRM_MONGODB_DATABASE": db, "CRM_CONTACTS_URL": contacts_url}, ports=ports
        )
    try:
        cid = await _erase_then_replay(specs, crm_env, ports)
        await _rebuild(crm_env, rebuilt, free_port, cid)
    finally:
        client: MongoClient[dict[str, Any]] = MongoClient(crm_env["MONGODB_URL"])
        for db in (*dbs.values(), *rebuilt.values()):
            client.drop_database(db)
        client.close()


async def _erase_then_replay(specs: list[Any], crm_env: dict[str, str], ports: dict[str, tuple[int, int]]) -> str:
    admin = _bearer("root", ["admin"], department="sales")
    rep = _bearer("alice", ["sales"], department="sales", teams=["emea"])
    agent = _bearer("ana", ["service"], department="service", teams=["billing"])
    bootstrap, topic = crm_env["KAFKA_BOOTSTRAP_SERVERS"], Topics(crm_env["CRM_TOPIC_PREFIX"]).customer
    with start_services(specs, health_timeout_s=120) as procs:
        async with (
            httpx.AsyncClient(base_url=procs["contacts-api"].spec.url or "", timeout=15) as contacts,
            httpx.AsyncClient(base_url=procs["sales-api"].spec.url or "", timeout=30) as sales,
            httpx.AsyncClient(base_url=procs["service-desk-api"].spec.url or "", timeout=30) as desk,
        ):
            r = await contacts.post(
                "/customers",
                headers=admin,
                json={
                    "kind": "person",
                    "display_name": NAME,
                    "first_name": FIRST,
                    "last_name": LAST,
                    "emails": [EMAIL],
                    "phones": [PHONE],
                    "lifecycle_stage": "opportunity",
                },
            )
            assert r.status_code == 201, r.text
            cid = str(r.json()["id"])

            async def new_deal() -> str | None:  # once sales' replica knows the customer
                r = await sales.post(
                    "/deals", headers=rep, json={"name": "Fleet tracking", "customer_id": cid, "amount": "48300.00"}
                )
                if r.status_code == 422 and r.json()["errors"][0]["type"] == "unknown_customer":
                    return None
                assert r.status_code == 201, r.text
                return str(r.json()["id"])

            deal_id = await eventually(new_deal, timeout_s=90)
            r = await desk.post(
                "/tickets",
                headers=agent,
                json={
                    "customer_id": cid,
                    "subject": "Invoice twice",
                    "channel": "email",
                    "group": "billing",
                    "requester_email": EMAIL,
                    "requester_name": NAME,
                },
            )
            assert r.status_code == 201, r.text
            ticket_id = r.json()["id"]

            async def deal_text() -> str:
                r = await sales.get(f"/deals/{deal_id}", headers=rep)
                assert r.status_code == 200, r.text
                return r.text

            async def ticket_text() -> str:
                r = await desk.get(f"/tickets/{ticket_id}", headers=agent)
                assert r.status_code == 200, r.text
                return r.text

            async def both_show_the_customer() -> bool:
                return FIRST in await deal_text() and FIRST in await ticket_text()

            await eventually(both_show_the_customer, timeout_s=90)

            r = await contacts.post(f"/customers/{cid}/erasure", headers=admin, json={"request_id": "dsr-final-1"})
            assert r.status_code == 200, r.text

            async def both_erased() -> bool:
                return _without_personal_data(await deal_text()) and _without_personal_data(await ticket_text())

            await eventually(both_erased, timeout_s=60)
            records = await eventually(lambda: _tombstoned(bootstrap, topic, cid), timeout_s=60)

            # the replay: the customer's old created record, produced again as it was
            created = next(v for v, h in records if h.get("ce_type") == b"crm.customer.created")
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
            await producer.start()
            try:
                sent = await producer.send_and_wait(
                    topic, created, key=cid.encode(), headers=[("ce_type", b"crm.customer.created")]
                )
            finally:
                await producer.stop()

            prefix = crm_env["CRM_TOPIC_PREFIX"]
            for svc in REFUSED:  # both workers are past the replayed record
                group, past = f"{prefix}crm-{svc}", TopicPartition(topic, sent.partition)
                await eventually(lambda g=group, tp=past: _committed_past(bootstrap, g, tp, sent.offset), timeout_s=60)
            assert _without_personal_data(await deal_text())
            assert _without_personal_data(await ticket_text())
            for svc, consumer in REFUSED.items():
                assert await _refused(ports[svc][1], consumer) >= 1, svc

            # contacts, the topic's owner, answers the replayed snapshot with a tombstone
            async def last_is_tombstone() -> bool:
                return (await _records_of(bootstrap, topic, cid))[-1][0] is None

            await eventually(last_is_tombstone, timeout_s=60)
            return cid


async def _committed_past(bootstrap: str, group: str, tp: TopicPartition, offset: int) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group, partitions=[tp])
    finally:
        await admin.close()
    meta = committed.get(tp)
    return meta is not None and meta.offset > offset


async def _tombstoned(bootstrap: str, topic: str, cid: str) -> list[tuple[bytes | None, dict[str, bytes]]] | None:
    records = await _records_of(bootstrap, topic, cid)
    return records if records and records[-1][0] is None else None


async def _rebuild(crm_env: dict[str, str], rebuilt: dict[str, str], free_port: Any, cid: str) -> None:
    """Workers on a fresh database and consumer group read ``crm.customer`` from the start."""
    ports = {svc: (free_port(), free_port()) for svc in rebuilt}
    specs = []
    for svc, db in rebuilt.items():
        specs += process_specs(
            [svc],
            roles=["worker"],
            ports=ports,
            env={
                **crm_env,
                "CRM_LOG_JSON": "false",
                "CRM_MONGODB_DATABASE": db,
                "CRM_WORKER_GROUP": f"{crm_env['CRM_TOPIC_PREFIX']}rebuild-{svc}",
            },
        )
    with start_services(specs, health_timeout_s=120):
        for svc, consumer in REFUSED.items():  # the replayed record is the key's last but one
            await eventually(lambda p=ports[svc][1], c=consumer: _refused(p, c), timeout_s=90)
    client: MongoClient[dict[str, Any]] = MongoClient(crm_env["MONGODB_URL"])
    try:
        for db in rebuilt.values():
            doc = client[db]["customer_replica"].find_one({"_id": cid})
            assert _without_personal_data(repr(doc)), (db, doc)
            assert client[db]["erasure_register"].find_one({"_id": cid}) is not None
    finally:
        client.close()
