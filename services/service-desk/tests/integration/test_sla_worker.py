"""SLA warnings and breaches from the real worker process, with short targets and a
hard worker crash (SIGKILL) in between: each is published exactly once per ticket and
target, read back from Kafka."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from typing import Any

from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_service_desk.domain.sla import PolicyRules, TargetRule
from crm_service_desk.service.models import NewComment, NewTicket, StatusRequest
from crm_service_desk.settings import ServiceDeskSettings
from crm_shared.auth import Principal
from crm_shared.events import CloudEvent

from .support import new_container, read_events

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
AGENT = Principal(sub="ana", roles=frozenset({"service"}), teams=("billing",), department="service")
SLA_TYPES = ("crm.ticket.sla_warning", "crm.ticket.sla_breached")


def _sla_events(settings: ServiceDeskSettings, topic: str) -> list[CloudEvent]:
    return [e for e in read_events(settings.kafka_bootstrap_servers, topic, idle_ms=800) if e.type in SLA_TYPES]


def _key(e: CloudEvent) -> tuple[str, str, str]:
    return e.subject, e.data["target"], "warning" if e.type.endswith("warning") else "breach"


async def test_each_warning_and_breach_once_across_a_worker_crash(
    crm_env: dict[str, str], settings: ServiceDeskSettings, free_port: Any
) -> None:
    container = await new_container(settings)  # real clock: the worker process uses it too
    topic = container.topics.ticket
    await container.config.create_policy(
        principal=ADMIN,
        rules=PolicyRules(
            name="fast",
            warning_share=0.5,
            targets=[
                TargetRule(priority="urgent", first_response_s=1, resolution_s=2),
                TargetRule(priority="high", first_response_s=4, resolution_s=12),
            ],
        ),
    )

    async def open_ticket(priority: str) -> str:
        ticket, _ = await container.tickets.open(
            principal=AGENT,
            data=NewTicket(
                customer_id="c1", subject=f"{priority} issue", channel="chat", priority=priority, group="billing"
            ),
        )
        return ticket.id

    async def seen(predicate: Any) -> list[CloudEvent] | None:
        events = await asyncio.to_thread(_sla_events, settings, topic)
        return events if predicate(events) else None

    env = {**crm_env, "CRM_SLA_SCAN_INTERVAL_S": "0.3", "CRM_LOG_JSON": "false"}
    specs = process_specs(["service-desk"], env=env, roles=["worker"], ports={"service-desk": (free_port, free_port())})
    try:
        with start_services(specs) as procs:
            canary = await open_ticket("urgent")  # proves the worker is up and scanning
            await eventually(lambda: seen(lambda es: any(e.subject == canary for e in es)), timeout_s=90)
            watched = await open_ticket("high")
            calm = await open_ticket("high")  # answered in time, then paused: never warned
            await container.tickets.comment(
                principal=AGENT, ticket_id=calm, expected_version=None, data=NewComment(body="On it")
            )
            await container.tickets.move(
                principal=AGENT, ticket_id=calm, expected_version=None, status=StatusRequest(status="pending").status
            )
            await eventually(
                lambda: seen(lambda es: (watched, "first_response", "warning") in map(_key, es)), timeout_s=30
            )
            procs["service-desk-worker"].signal(signal.SIGKILL)  # crash, not a clean stop
        with start_services(specs):
            await eventually(lambda: seen(lambda es: (watched, "resolution", "breach") in map(_key, es)), timeout_s=90)
            await asyncio.sleep(2)  # several more scans: nothing may be published again
            events = await asyncio.to_thread(_sla_events, settings, topic)
    finally:
        ticket = await container.ticket_repo.get(watched) if "watched" in locals() else None
        await container.close()

    logical = Counter(_key(e) for e in {e.id: e for e in events}.values())
    assert {k: n for k, n in logical.items() if k[0] == watched} == {
        (watched, "first_response", "warning"): 1,
        (watched, "first_response", "breach"): 1,
        (watched, "resolution", "warning"): 1,
        (watched, "resolution", "breach"): 1,
    }
    assert all(n == 1 for n in logical.values())
    assert not [e for e in events if e.subject == calm]
    assert ticket is not None
    assert ticket.sla_breaches == ["first_response", "resolution"]
    assert sorted((r.target, r.kind) for r in ticket.sla_records) == [
        ("first_response", "breach"),
        ("first_response", "warning"),
        ("resolution", "breach"),
        ("resolution", "warning"),
    ]
    breach = next(e for e in events if _key(e) == (watched, "resolution", "breach"))
    assert breach.data["snapshot"]["sla_breaches"] == ["first_response", "resolution"]
    assert breach.sequence == breach.data["snapshot"]["version"]
    warning = next(e for e in events if _key(e) == (watched, "first_response", "warning"))
    assert 0.5 <= warning.data["elapsed_share"] <= 1
