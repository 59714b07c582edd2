"""Contacts API killed (SIGKILL) between the store write and the publish: after a restart the
outbox relay publishes the event, and a consumer sees it exactly once."""

from __future__ import annotations

import time

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.outbox import CRASH_ENV
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from kafka import KafkaConsumer

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def read_topic(bootstrap: str, topic: str, *, wait_s: float) -> list[tuple[bytes, bytes | None]]:
    """Every record of ``topic`` seen within ``wait_s`` (reads from the start)."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=200
    )
    out: list[tuple[bytes, bytes | None]] = []
    deadline = time.monotonic() + wait_s
    try:
        while time.monotonic() < deadline:
            out += [(r.key, r.value) for r in consumer]
    finally:
        consumer.close()
    return out


def test_event_survives_a_crash_before_publish(
    crm_env: dict[str, str], topics: Topics, free_port: int, kafka_bootstrap_servers: str
) -> None:
    ports = {"contacts": (free_port(), free_port())}
    token = mint_token(CrmSettings(), sub="svc-sales", roles=["integration"], department="sales", kind="service")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "lead-crash-1"}
    body = {"kind": "person", "first_name": "Lena", "last_name": "Fischer", "emails": ["lena@nordwind.example"]}

    crashing = process_specs(["contacts"], env={**crm_env, CRASH_ENV: "1"}, ports=ports, roles=["api"])
    with start_services(crashing) as procs:
        api = procs["contacts-api"]
        with pytest.raises(httpx.TransportError):  # the process dies mid-request
            httpx.post(f"{api.spec.url}/customers", json=body, headers=headers, timeout=10)
        for _ in range(100):
            if api.poll() is not None:
                break
            time.sleep(0.05)
        assert api.poll() == -9  # SIGKILL, after the store write
    assert read_topic(kafka_bootstrap_servers, topics.customer, wait_s=1.0) == []  # nothing was published

    healthy = process_specs(["contacts"], env=crm_env, ports=ports, roles=["api"])
    with start_services(healthy) as procs:
        url = procs["contacts-api"].spec.url
        records = read_topic(kafka_bootstrap_servers, topics.customer, wait_s=4.0)  # relay sweeps every second
        assert len(records) == 1, records
        key, value = records[0]
        assert value is not None
        event = CloudEvent.from_bytes(value)
        assert (event.type, event.sequence, key.decode()) == ("crm.customer.created", 1, event.subject)
        # the client retries with its Idempotency-Key: the same customer, no second event
        retry = httpx.post(f"{url}/customers", json=body, headers=headers, timeout=10)
        assert retry.status_code == 200
        assert retry.json()["id"] == event.subject
        assert len(read_topic(kafka_bootstrap_servers, topics.customer, wait_s=1.0)) == 1
