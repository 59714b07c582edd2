"""On the real broker and store: admins manage users and teams through the API, every
change is a ``crm.directory`` event keyed by the user's id, and a deactivated user's
token is refused within seconds (the worker puts the revocation on ``crm.revocation``,
which the API tails)."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaConsumer
from crm_devtools.testkit import api_client, eventually, running_worker
from crm_directory.entrypoints.api import create_api
from crm_directory.entrypoints.worker import create_worker
from crm_shared.topics import Topics

from .helpers import bearer, settings_for

pytestmark = pytest.mark.integration


async def directory_records(servers: str, topic: str, want: int) -> list[tuple[str, dict[str, object]]]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    seen: list[tuple[str, dict[str, object]]] = []
    try:
        async with asyncio.timeout(60):
            while len(seen) < want:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    seen += [(r.key.decode(), json.loads(r.value)) for r in records if r.key and r.value]
    finally:
        await consumer.stop()
    return seen


async def test_admin_manages_people_and_a_deactivated_users_token_is_refused(
    crm_env: dict[str, str], topics: Topics
) -> None:
    settings = settings_for(crm_env, search_enabled=False)
    admin = bearer(settings, "root", "admin")
    dora = bearer(settings, "dora", "sales", department="sales", teams=["north"])
    worker = create_worker(settings, web_enabled=False)
    async with running_worker(worker), api_client(create_api(settings)) as api:
        team = await api.post("/teams", json={"id": "north", "name": "North", "department": "sales"}, headers=admin)
        assert team.status_code == 201, team.text
        made = await api.post(
            "/users",
            headers=admin,
            json={"id": "dora", "name": "Dora Díaz", "email": "Dora@Example.com", "time_zone": "Europe/Madrid"},
        )
        assert made.status_code == 201, made.text
        assert made.json()["email"] == "dora@example.com"
        assert (
            await api.post("/users", headers=dora, json={"id": "x", "name": "X", "email": "x@e.xx"})
        ).status_code == 403
        bad = await api.post(
            "/users", headers=admin, json={"id": "eve", "name": "Eve", "email": "e@e.ee", "time_zone": "Mars/Base"}
        )
        assert bad.status_code == 422
        joined = await api.post("/users/dora/teams", headers=admin, json={"team_id": "north"})
        assert joined.json()["teams"] == ["north"]
        stale = await api.patch("/users/dora", headers={**admin, "If-Match": '"1"'}, json={"locale": "zh-CN"})
        assert stale.status_code == 412
        edited = await api.patch("/users/dora", headers={**admin, "If-Match": '"2"'}, json={"locale": "zh-CN"})
        assert edited.status_code == 200, edited.text
        assert edited.json()["locale"] == "zh-CN"

        # dora's token works until she is deactivated, then is refused everywhere within seconds
        assert (await api.get("/users/dora", headers=dora)).status_code == 200
        gone = await api.put("/users/dora/active", headers={**admin, "If-Match": '"3"'}, json={"active": False})
        assert gone.status_code == 200, gone.text
        assert gone.json()["active"] is False

        async def refused() -> bool:
            return (await api.get("/users/dora", headers=dora)).status_code == 401

        await eventually(refused, timeout_s=30)
        again = await api.post("/users:provision", headers=admin, json={"id": "dora", "name": "D", "email": "d@e.ee"})
        assert again.status_code == 403  # no sign-in for a deactivated user

    records = await directory_records(settings.kafka_bootstrap_servers, topics.directory, want=5)
    assert [v["type"] for k, v in records if k == "team:north"] == ["crm.directory.team_updated"]
    assert [v["type"] for k, v in records if k == "dora"] == [  # one key: one partition, in order
        "crm.directory.user_created",
        "crm.directory.membership_changed",
        "crm.directory.user_updated",
        "crm.directory.user_deactivated",
    ]
    assert [int(str(v["sequence"])) for k, v in records if k == "dora"] == [1, 2, 3, 4]
