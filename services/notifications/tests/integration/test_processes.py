"""The real processes: ``python -m crm_notifications.entrypoints.api`` and ``.worker``,
configured over HTTP, fed through the broker, delivering to a real sink."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_notifications.testing import fresh_event
from crm_shared.auth import mint_token
from crm_shared.kafka.producer import EventPublisher
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics
from pytest_httpserver import HTTPServer

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def test_api_and_worker_processes_deliver_an_urgent_ticket(
    crm_env: dict[str, str], topics: Topics, sink: HTTPServer, smtp: Any, free_port: Any
) -> None:
    sink.expect_request("/service-chat", method="POST").respond_with_data("ok")
    api_port, worker_port = free_port(), free_port()
    env = {
        **crm_env,
        "CRM_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "CRM_SMTP_PORT": str(smtp[1]),
        "CRM_CONFIG_CACHE_TTL_S": "0.5",
        "CRM_LOG_JSON": "false",
    }
    specs = process_specs(["notifications"], env=env, ports={"notifications": (api_port, worker_port)})
    token = mint_token(CrmSettings(), sub="ops", roles=["admin"])
    with start_services(specs, health_timeout_s=90):
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{api_port}", headers={"authorization": f"Bearer {token}"}
        ) as api:

            async def ready() -> bool:
                return (await api.get("/readyz")).status_code == 200

            await eventually(ready, timeout_s=30)
            created = await api.post(
                "/endpoints",
                json={
                    "id": "service-chat",
                    "name": "service chat",
                    "kind": "teams",
                    "url": sink.url_for("/service-chat"),
                },
            )
            assert created.status_code == 201, created.text
            publisher = EventPublisher(crm_env["KAFKA_BOOTSTRAP_SERVERS"])
            await publisher.start()
            try:
                # the seeded rule: an urgent ticket opened goes to the service chat
                urgent = fresh_event("crm.ticket.opened", snapshot={"priority": "urgent"})
                await publisher.publish(topics.ticket, urgent)
            finally:
                await publisher.stop()
            await eventually(lambda: sink.log, timeout_s=90)
            card = sink.log[0][0].get_json()["attachments"][0]["content"]
            assert card["body"][0]["text"].startswith("🚨 Urgent ticket: Second invoice for March?")

            async def delivered() -> bool:
                log = (await api.get("/deliveries", params={"event_id": urgent.id})).json()
                return bool(log["total"] == 1 and log["items"][0]["status"] == "delivered")

            await eventually(delivered, timeout_s=30)
