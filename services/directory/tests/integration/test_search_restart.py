"""On the real broker: the search index in its state folder survives a restart (the
second start reads no record it had, and finds what the first indexed), resumes with
what is new, and is rebuilt from the topics when the folder is spoiled, without bringing
an erased customer back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import api_client, eventually
from crm_directory.entrypoints.api import create_api
from crm_directory.search.folder import STATE
from crm_shared.events import CloudEvent, EventData
from crm_shared.events import customer as c
from crm_shared.events import deal as d
from crm_shared.events.envelope import Actor
from crm_shared.events.sample_story import customer_at, deal_at
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics

from .helpers import bearer, settings_for

pytestmark = pytest.mark.integration

ACTOR = Actor(id="seed", department="sales", kind="user")


def wrap(data: EventData) -> CloudEvent:
    return CloudEvent.wrap(data, actor=ACTOR)


async def search_state(api: httpx.AsyncClient) -> dict[str, Any]:
    """The feed's counters once caught up (``/readyz``: ``consumed`` = records read by this process)."""
    answer = await api.get("/readyz")
    assert answer.status_code == 200, answer.text
    search: dict[str, Any] = answer.json()["checks"]["search"]
    return search


async def found(api: httpx.AsyncClient, headers: dict[str, str], q: str) -> list[str]:
    answer = await api.post("/search", headers=headers, json={"q": q})
    assert answer.status_code == 200, answer.text
    return [f"{h['kind']}:{h['id']}" for h in answer.json()["items"]]


async def caught_up(api: httpx.AsyncClient) -> dict[str, Any]:
    async def ready() -> bool:
        return (await api.get("/readyz")).status_code == 200

    await eventually(ready, timeout_s=60)
    return await search_state(api)


async def test_the_index_survives_a_restart_and_a_spoiled_folder_is_rebuilt(
    crm_env: dict[str, str], topics: Topics, tmp_path: Path
) -> None:
    settings = settings_for(crm_env, search_path=str(tmp_path / "search"))
    admin = bearer(settings, "root", "admin")
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id="search-restart-test")
    await publisher.start()
    try:
        story: list[tuple[str, EventData]] = [
            (
                topics.customer,
                c.CustomerCreated(
                    snapshot=customer_at(1, id=f"c{i}", display_name=f"Kunde{i} Nordwind"), change_origin="t"
                ),
            )
            for i in range(20)
        ]
        story.append(
            (
                topics.customer,
                c.CustomerCreated(
                    snapshot=customer_at(1, id="c-erased", display_name="Quirinus Yablonski"), change_origin="t"
                ),
            )
        )
        story.append(
            (
                topics.deal,
                d.DealCreated(
                    snapshot=deal_at(1, id="deal-l", customer_id="c-erased", name="Yablonski boat", owner_id="ana"),
                    change_origin="t",
                ),
            )
        )
        story.append(
            (
                topics.customer,
                c.CustomerErased(
                    customer_id="c-erased",
                    version=2,
                    erased_at=datetime.now(UTC),
                    reason="data_subject_request",
                    request_id="e1",
                ),
            )
        )
        await publisher.publish_many([(topic, wrap(data)) for topic, data in story])
        total = len(story)

        async with api_client(create_api(settings)) as api:
            first = await caught_up(api)
            assert first["consumed"] == total
            assert len(await found(api, admin, "nordwind")) == 20
            assert await found(api, admin, "yablonski") == []
        assert (tmp_path / "search" / STATE).exists()

        # restart: nothing read again, the documents are there; then only what is new
        async with api_client(create_api(settings)) as api:
            second = await caught_up(api)
            assert second["consumed"] == 0
            assert len(await found(api, admin, "nordwind")) == 20
            later = customer_at(1, id="c-new", display_name="Zebulon Quast")
            await publisher.publish_many(
                [(topics.customer, wrap(c.CustomerCreated(snapshot=later, change_origin="t")))]
            )

            async def new_one() -> bool:
                return await found(api, admin, "zebulon") == ["person:c-new"]

            await eventually(new_one, timeout_s=30)
            assert (await search_state(api))["consumed"] == 1

        # a spoiled folder: rebuilt from the topics' start, the erased customer stays out
        (tmp_path / "search" / STATE).write_text("{spoiled")
        async with api_client(create_api(settings)) as api:
            rebuilt = await caught_up(api)
            assert rebuilt["consumed"] == total + 1
            assert len(await found(api, admin, "nordwind")) == 20
            assert await found(api, admin, "zebulon") == ["person:c-new"]
            assert await found(api, admin, "yablonski") == []
    finally:
        await publisher.stop()
