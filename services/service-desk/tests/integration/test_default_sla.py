"""A new desk has an SLA for every priority: the default policy, created once at start
(however many processes start), editable by admins, never overwritten by a restart."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_service_desk.bootstrap import bootstrap
from crm_service_desk.settings import ServiceDeskSettings

from .support import api_client, make_settings, token

HOUR = 3600


@pytest.fixture
def settings(crm_env: dict[str, str]) -> ServiceDeskSettings:
    return make_settings(crm_env, sla_default_policy=True)  # the production default


EXPECTED = {  # first response, resolution: seconds of business time (a business day is 8 h)
    "urgent": (1 * HOUR, 4 * HOUR),
    "high": (4 * HOUR, 8 * HOUR),
    "normal": (8 * HOUR, 24 * HOUR),
    "low": (8 * HOUR, 40 * HOUR),
}


async def _open(api: httpx.AsyncClient, settings: ServiceDeskSettings, priority: str) -> dict[str, Any]:
    body = {"customer_id": "c1", "subject": "Help", "channel": "email", "priority": priority}
    r = await api.post("/tickets", json=body, headers=token(settings, "ana", "service"))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_every_priority_gets_the_default_sla_and_admins_edit_it(settings: ServiceDeskSettings) -> None:
    admin = token(settings, "root", "admin")
    first, second = [await bootstrap(settings, role=role, provision=False, jobs=False) for role in ("api", "worker")]
    try:
        async with api_client(first) as api:
            policies = (await api.get("/sla-policies", headers=admin)).json()["items"]
            assert [(p["id"], p["version"]) for p in policies] == [("default", 1)]  # two starts, one policy
            assert policies[0]["calendar"]["kind"] == "business_hours"
            for priority, (first_response_s, resolution_s) in EXPECTED.items():
                sla = (await _open(api, settings, priority))["sla"]
                assert sla is not None, priority
                assert (sla["policy_id"], sla["first_response_s"], sla["resolution_s"]) == (
                    "default",
                    first_response_s,
                    resolution_s,
                )

            edited = {k: v for k, v in policies[0].items() if k not in ("id", "version", "created_at", "updated_at")}
            edited["targets"] = [
                t if t["priority"] != "low" else {**t, "first_response_s": 2 * 8 * HOUR} for t in edited["targets"]
            ]
            r = await api.put("/sla-policies/default", json=edited, headers={**admin, "If-Match": '"1"'})
            assert r.status_code == 200, r.text
    finally:
        await first.close()
        await second.close()

    restarted = await bootstrap(settings, role="api", provision=False, jobs=False)  # a restart keeps the edit
    try:
        async with api_client(restarted) as api:
            assert (await _open(api, settings, "low"))["sla"]["first_response_s"] == 2 * 8 * HOUR
            assert (await api.get("/sla-policies/default", headers=admin)).json()["version"] == 2
    finally:
        await restarted.close()


async def test_an_admins_policy_wins_over_the_default(settings: ServiceDeskSettings) -> None:
    container = await bootstrap(settings, role="api", provision=False, jobs=False)
    try:
        async with api_client(container) as api:
            policy = {"name": "Gold", "targets": [{"priority": "high", "first_response_s": 900, "resolution_s": 3600}]}
            r = await api.post("/sla-policies", json=policy, headers=token(settings, "root", "admin"))
            assert r.status_code == 201
            assert (await _open(api, settings, "high"))["sla"]["first_response_s"] == 900
            assert (await _open(api, settings, "low"))["sla"]["policy_id"] == "default"
    finally:
        await container.close()
