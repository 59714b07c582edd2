"""On the real broker and store: the scripted history published to ``crm.deal`` is
folded by the real worker into the MongoDB read models and served by the API with the
hand-computed figures; a duplicated and a late event change nothing; a rebuild from
the start of the topics gives the same figures as the live read models (pipeline,
sales, service and customer figures), both through a new consumer group on an empty
database and through the batch rebuild."""

from __future__ import annotations

from typing import Any

import pytest
from crm_devtools.testkit import api_client, eventually, running_worker
from crm_insights.entrypoints.api import create_api
from crm_insights.entrypoints.worker import create_worker
from crm_insights.rebuild import rebuild
from crm_insights.settings import InsightsSettings
from crm_insights.testing import scripted_history, scripted_tickets
from crm_shared.auth import mint_token
from crm_shared.events import CloudEvent
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

EXPECTED = [
    {"stage": "lost", "status": "lost", "currency": "EUR", "count": 1, "amount": "500.00", "weighted": "0.00"},
    {"stage": "propose", "status": "open", "currency": "EUR", "count": 1, "amount": "2500.00", "weighted": "1250.00"},
    {"stage": "qualify", "status": "open", "currency": "USD", "count": 1, "amount": "300.00", "weighted": "60.00"},
    {"stage": "won", "status": "won", "currency": "EUR", "count": 1, "amount": "1000.00", "weighted": "1000.00"},
]


def settings_for(crm_env: dict[str, str], **overrides: Any) -> InsightsSettings:
    fields: dict[str, Any] = {
        "kafka_bootstrap_servers": crm_env["KAFKA_BOOTSTRAP_SERVERS"],
        "mongodb_url": crm_env["MONGODB_URL"],
        "topic_prefix": crm_env["CRM_TOPIC_PREFIX"],
        "mongodb_database": crm_env["CRM_MONGODB_DATABASE"],
    }
    return InsightsSettings(**{**fields, **overrides})


async def publish(servers: str, topic: str, events: list[CloudEvent]) -> None:
    publisher = EventPublisher(servers, client_id="insights-test")
    await publisher.start()
    try:
        await publisher.publish_many([(topic, e) for e in events])
    finally:
        await publisher.stop()


async def figures(settings: InsightsSettings) -> tuple[Any, Any, Any, Any]:
    token = mint_token(settings, sub="root", roles=["admin"])
    async with api_client(create_api(settings), headers={"Authorization": f"Bearer {token}"}) as api:
        pipeline = await api.get("/aggregates/pipeline", params={"pipeline_id": "p1"})
        sales = await api.get("/analytics/sales", params={"pipeline_id": "p1"})
        service = await api.get("/analytics/service")
        customer = await api.get("/customers/c1/insights")
        for answer in (pipeline, sales, service, customer):
            assert answer.status_code == 200, answer.text
        timeless = service.json()  # backlog ages depend on when they are read
        for row in (timeless["overall"], *timeless["by_priority"].values()):
            row.pop("backlog_avg_age_days")
        return pipeline.json(), sales.json(), timeless, customer.json()["won_amount"]


async def test_live_figures_equal_the_hand_computation_and_a_rebuild(
    crm_env: dict[str, str], topics: Topics, mongo_database: str
) -> None:
    live = settings_for(crm_env)
    history = scripted_history()
    # a duplicate (redelivery) and a late, older version (d3's move after its update)
    on_the_wire = history[:4] + history[5:] + [history[4], history[7]]
    await publish(live.kafka_bootstrap_servers, topics.deal, on_the_wire)
    tickets = scripted_tickets()
    tickets_on_the_wire = tickets + tickets[3:5]  # with duplicates
    await publish(live.kafka_bootstrap_servers, topics.ticket, tickets_on_the_wire)

    async def settled(settings: InsightsSettings) -> tuple[Any, Any, Any, Any]:
        result = await figures(settings)
        assert result[3] == {"EUR": "1000.00"}  # customer c1's won amount
        assert result[0]["stages"] == EXPECTED
        assert result[2]["overall"]["tickets"] == 3
        assert result[2]["csat_by_month"] == [{"period": "2026-03", "ratings": 1, "average": 4.0}]
        return result

    async with running_worker(create_worker(live, web_enabled=False)):
        live_figures = await eventually(lambda: settled(live), timeout_s=90)
    assert live_figures[1]["win_rate"] == 0.5
    assert live_figures[1]["average_cycle_days"] == 27.0
    assert live_figures[2]["overall"]["sla_first_response"] == 0.5

    rebuilt = settings_for(
        crm_env, mongodb_database=f"{mongo_database}_rebuild", worker_group=f"{topics.prefix}rebuild"
    )
    async with running_worker(create_worker(rebuilt, web_enabled=False)):
        rebuilt_figures = await eventually(lambda: settled(rebuilt), timeout_s=90)
    assert rebuilt_figures == live_figures

    batch = settings_for(crm_env, mongodb_database=f"{mongo_database}_batch")
    stats = await rebuild(batch, database=batch.database_name, group=f"{topics.prefix}batch")
    assert stats["events"] == len(on_the_wire) + len(tickets_on_the_wire)
    assert await figures(batch) == live_figures  # deals, tickets and customers
