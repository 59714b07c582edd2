"""R3: the contacts API SIGKILLed between the store write and the publish, N times in a
row (``CRM_FAULT_CRASH_BEFORE_PUBLISH``: each process dies at its first commit and is
started again). Every create is on the topic once, published by the next process's
relay; a client retrying with its Idempotency-Key gets the same customer."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import Restarts, ServiceProcess, start_services
from crm_shared.outbox import CRASH_ENV
from crm_shared.topics import Topics

from .support import Result, read_events, size, token

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def _back(api: ServiceProcess, old_pid: int | None, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not (api.pid != old_pid and api.healthy()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{api.name} not back within {timeout_s}s:\n" + "\n".join(api.output()[-20:]))
        time.sleep(0.1)


def test_r3_api_killed_between_commit_and_publish(
    crm_env: dict[str, str], topics: Topics, free_port: Any, kafka_bootstrap_servers: str, scenario: Result
) -> None:
    crashes = size(ci=5, small=10, full=100)
    scenario.scenario, scenario.size = "R3 API SIGKILL between commit and publish", f"x{crashes}"
    ports = {"contacts": (free_port(), free_port())}
    run = uuid.uuid4().hex[:8]
    names = {f"r3-{run}-{i}": f"R3 {run} {i}" for i in range(crashes)}
    headers = {"Authorization": f"Bearer {token(sub='svc-r3', roles=['integration'])}"}
    wrong: list[str] = []
    crashing = process_specs(["contacts"], env={**crm_env, CRASH_ENV: "1"}, ports=ports, roles=["api"])
    quick = Restarts(first_backoff_s=0.1, max_backoff_s=0.1)
    with start_services(crashing, health_timeout_s=120, restart=True, restarts=quick) as procs:
        api = procs["contacts-api"]
        for key, name in names.items():
            pid = api.pid
            try:
                answer = httpx.post(
                    f"{api.spec.url}/customers",
                    json={"kind": "company", "display_name": name},
                    headers={**headers, "Idempotency-Key": key},
                    timeout=30,
                )
                wrong.append(f"{key}: answered {answer.status_code} instead of dying")
            except httpx.TransportError:
                pass
            last_crash = time.monotonic()
            _back(api, pid)
        assert api.restarts == crashes

        # the process now running publishes the last crash's revision with its relay
        def created() -> dict[str, set[str]]:
            by_name: dict[str, set[str]] = defaultdict(set)
            for event in read_events(kafka_bootstrap_servers, topics.customer, wait_s=2.0):
                if event.type == "crm.customer.created":
                    by_name[(event.data or {}).get("snapshot", {}).get("display_name", "")].add(event.subject or "")
            return by_name

        deadline = time.monotonic() + 60
        while len(by_name := created()) < crashes and time.monotonic() < deadline:
            time.sleep(0.5)
        scenario.recovery_s = time.monotonic() - last_crash

    healthy = process_specs(["contacts"], env=crm_env, ports=ports, roles=["api"])
    lost = 0
    with start_services(healthy, health_timeout_s=120) as procs:
        url = procs["contacts-api"].spec.url
        for key, name in names.items():
            subjects = by_name.get(name, set())
            lost += not subjects
            retry = httpx.post(
                f"{url}/customers",
                json={"kind": "company", "display_name": name},
                headers={**headers, "Idempotency-Key": key},
                timeout=30,
            )
            if retry.status_code != 200 or retry.json()["id"] not in subjects:
                wrong.append(f"{key}: retry {retry.status_code} {retry.text[:100]} vs {subjects}")
    # the retries made nothing new: still one customer, one created event per request
    time.sleep(2)
    events = read_events(kafka_bootstrap_servers, topics.customer, wait_s=3.0)
    final: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.type == "crm.customer.created":
            final[(event.data or {}).get("snapshot", {}).get("display_name", "")].add(event.subject or "")
    duplicated = sum(len(final.get(name, set())) > 1 for name in names.values())
    redelivered = len(events) - len({e.id for e in events})
    scenario.notes.append(f"{len(events)} events on the topic, {redelivered} redelivered (same event id)")
    scenario.lost, scenario.duplicated, scenario.wrong = lost, duplicated, len(wrong)
    assert (lost, duplicated, wrong) == (0, 0, [])
