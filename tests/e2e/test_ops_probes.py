"""Probes and metrics answer on a running service: /healthz, /readyz (store, broker,
outbox backlog), and Prometheus /metrics on the API (HTTP latency, outbox backlog) and
on the worker (consumer lag per partition, dead letters)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_shared.auth import mint_token
from crm_shared.kafka.producer import EventPublisher
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _samples(text: str, name: str) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)
    }


async def test_probes_and_metrics(crm_env: dict[str, str], topics: Topics, free_port: Any) -> None:
    api_port, worker_port = free_port(), free_port()
    specs = process_specs(["contacts"], env=crm_env, ports={"contacts": (api_port, worker_port)})
    admin = {"Authorization": f"Bearer {mint_token(CrmSettings(), sub='ops', roles=['admin'])}"}
    with start_services(specs, health_timeout_s=120):
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", timeout=15) as api,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{worker_port}", timeout=15) as worker,
        ):
            ready = await api.get("/readyz")
            assert ready.status_code == 200, ready.text
            checks = ready.json()["checks"]
            assert checks["store"] is True
            assert checks["broker"] is True
            assert checks["outbox"]["ok"] is True
            assert checks["outbox"]["backlog"] >= 0

            created = await api.post("/customers", headers=admin, json={"kind": "company", "display_name": "Ops"})
            assert created.status_code == 201

            api_metrics = (await api.get("/metrics")).text
            latency = _samples(api_metrics, "crm_http_request_duration_seconds_count")
            assert any('route="/customers"' in k and 'status="201"' in k for k in latency), latency
            assert "crm_outbox_backlog" in api_metrics

            # A poison record on a topic the worker consumes: dead-lettered, counted, stream goes on.
            publisher = EventPublisher(crm_env["KAFKA_BOOTSTRAP_SERVERS"])
            await publisher.start()
            try:
                await publisher.send_raw(topics.deal, key=b"poison", value=b"{not an event")
            finally:
                await publisher.stop()
            assert (await worker.get("/healthz")).status_code == 200
            deadline = time.monotonic() + 60
            while True:
                worker_metrics = (await worker.get("/metrics")).text
                dead = _samples(worker_metrics, "crm_dead_letters_total")
                if any(topics.deal in k and v >= 1 for k, v in dead.items()):
                    break
                assert time.monotonic() < deadline, f"no dead letter counted: {dead}"
                await asyncio.sleep(0.5)
            lag = _samples(worker_metrics, "crm_consumer_lag")
            assert any(topics.deal in k and "partition=" in k for k in lag), lag
