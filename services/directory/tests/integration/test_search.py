"""On the real broker: the search index follows the topics, finds by prefix, typo and
Chinese, shows each caller only what the owning service's rules let them see, never
indexes comment text, and drops an erased customer within seconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from crm_devtools.testkit import api_client, eventually
from crm_directory.entrypoints.api import create_api
from crm_shared.events import CloudEvent, EventData
from crm_shared.events import customer as c
from crm_shared.events import deal as d
from crm_shared.events import ticket as t
from crm_shared.events.envelope import Actor
from crm_shared.events.sample_story import customer_at, deal_at, ticket_at
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics

from .helpers import bearer, settings_for

pytestmark = pytest.mark.integration

ACTOR = Actor(id="seed", department="sales", kind="user")


def wrap(data: EventData) -> CloudEvent:
    return CloudEvent.wrap(data, actor=ACTOR)


def story() -> list[tuple[str, EventData]]:
    nordwind = customer_at(
        1,
        id="cust-nw",
        kind="company",
        display_name="Nordwind Logistik GmbH",
        first_name=None,
        last_name=None,
        company_id=None,
        company_name=None,
        owner_id="carlos",
    )
    li = customer_at(
        1,
        id="cust-li",
        display_name="Li Wei 李伟",
        first_name="Wei",
        last_name="Li",
        company_id=None,
        company_name="北京星辰科技",
        emails=["li.wei@xingchen.example"],
        owner_id="ana",
    )
    lena = customer_at(1, id="cust-lena", display_name="Lena Fischer", emails=["lena@fischer.example"])
    east = deal_at(
        1, id="deal-east", customer_id="cust-nw", name="Nordwind fleet renewal", owner_id="ana", team="sales-east"
    )
    west = deal_at(
        1,
        id="deal-west",
        customer_id="cust-nw",
        name="Nordwind warehouse expansion",
        owner_id="carlos",
        team="sales-west",
    )
    ticket = ticket_at(
        1,
        id="tick-1",
        customer_id="cust-li",
        subject="发票重复扣款 invoice charged twice",
        group="billing",
        assignee_id=None,
    )
    return [
        ("customer", c.CustomerCreated(snapshot=nordwind, change_origin="test")),
        ("customer", c.CustomerCreated(snapshot=li, change_origin="test")),
        ("customer", c.CustomerCreated(snapshot=lena, change_origin="test")),
        ("deal", d.DealCreated(snapshot=east, change_origin="test")),
        ("deal", d.DealCreated(snapshot=west, change_origin="test")),
        ("ticket", t.TicketOpened(snapshot=ticket)),
        (
            "ticket",
            t.TicketCommented(
                snapshot=ticket, comment_id="cm1", author_id="sara", public=True, body_excerpt="zyxwordofcomment"
            ),
        ),
    ]


async def found(api: httpx.AsyncClient, headers: dict[str, str], q: str, **extra: Any) -> list[str]:
    answer = await api.post("/search", headers=headers, json={"q": q, **extra})
    assert answer.status_code == 200, answer.text
    return [f"{h['kind']}:{h['id']}" for h in answer.json()["items"]]


async def test_search_finds_by_prefix_typo_and_chinese_within_what_the_caller_may_see(
    crm_env: dict[str, str], topics: Topics
) -> None:
    settings = settings_for(crm_env)
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id="search-test")
    await publisher.start()
    try:
        await publisher.publish_many([(topics.name(topic), wrap(data)) for topic, data in story()])
        admin = bearer(settings, "root", "admin")
        ana = bearer(settings, "ana", "sales", department="sales", teams=["sales-east"])
        agent = bearer(settings, "sara", "service", department="service", teams=["support-l1"])
        async with api_client(create_api(settings)) as api:

            async def indexed() -> bool:
                return "ticket:tick-1" in await found(api, admin, "invoice")

            await eventually(indexed, timeout_s=60)
            assert {"company:cust-nw", "deal:deal-east", "deal:deal-west"} <= set(await found(api, admin, "nordwind"))
            assert "company:cust-nw" in await found(api, admin, "nordw")  # prefix
            assert "company:cust-nw" in await found(api, admin, "nrodwind")  # transposition
            assert "company:cust-nw" in await found(api, admin, "nordwimd logistk")  # typos in two words
            assert await found(api, admin, "李伟") == ["person:cust-li"]
            assert "person:cust-li" in await found(api, admin, "星辰")  # inside a Chinese company name
            assert await found(api, admin, "扣款") == ["ticket:tick-1"]
            assert (await found(api, admin, "lena@fischer"))[0] == "person:cust-lena"

            # a sales rep sees their team's deal, never another team's
            ana_finds = set(await found(api, ana, "nordwind"))
            assert "deal:deal-east" in ana_finds
            assert "deal:deal-west" not in ana_finds
            assert await found(api, ana, "warehouse") == []
            # a support agent outside the ticket's group does not find it; the rep who owns the customer does
            assert await found(api, agent, "invoice") == []
            assert await found(api, ana, "invoice") == ["ticket:tick-1"]
            # comment text is never indexed (an internal note's could not leak)
            assert await found(api, admin, "zyxwordofcomment") == []
            assert set(await found(api, admin, "nordwind", kinds=["deal"])) == {"deal:deal-east", "deal:deal-west"}

            # erasure: gone from search within seconds (the tombstone follows the event)
            erased = c.CustomerErased(
                customer_id="cust-lena",
                version=2,
                erased_at=datetime.now(UTC),
                reason="data_subject_request",
                request_id="er-1",
            )
            await publisher.publish_many([(topics.customer, wrap(erased))])

            async def gone() -> bool:
                return "person:cust-lena" not in await found(api, admin, "lena")

            await eventually(gone, timeout_s=30)  # the seconds it takes: bench/search.py
            # a replayed snapshot of the erased customer does not bring it back
            lena = customer_at(1, id="cust-lena", display_name="Lena Fischer")
            await publisher.publish_many([(topics.customer, wrap(c.CustomerCreated(snapshot=lena, change_origin="x")))])
            marker_deal = deal_at(2, id="deal-marker", customer_id="cust-nw", name="Markerdeal", owner_id="ana")
            await publisher.publish_many([(topics.deal, wrap(d.DealCreated(snapshot=marker_deal, change_origin="x")))])

            async def marker() -> bool:
                return await found(api, admin, "markerdeal") == ["deal:deal-marker"]

            await eventually(marker, timeout_s=30)
            assert "person:cust-lena" not in await found(api, admin, "lena")
    finally:
        await publisher.stop()
