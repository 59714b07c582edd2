"""Cohorts on the real broker and store: the cohort history (k4's January deal delivered
late, after its February win, and a duplicate) folded by the real worker gives the
hand-computed table of ``tests/unit/test_cohorts.py`` (k4 in January's cohort), and the
batch rebuild from the start of the topics gives the same table; the RFM quintile job's
round over the store's customer documents scores a customer as the unit test does."""

from __future__ import annotations

from typing import Any

import pytest
from crm_devtools.testkit import api_client, eventually, running_worker
from crm_insights.bootstrap import bootstrap
from crm_insights.entrypoints.api import create_api
from crm_insights.entrypoints.worker import create_worker
from crm_insights.rebuild import rebuild
from crm_insights.settings import InsightsSettings
from crm_insights.testing import cohort_history
from crm_shared.auth import Principal, mint_token
from crm_shared.topics import Topics

from .test_live_and_rebuild import publish, settings_for

pytestmark = pytest.mark.integration

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
SIZES = {"2026-01": 3, "2026-02": 1}  # k1, k2, k4 (late deal) / k3
JANUARY_MONTHS = [  # customers, retention, deals, revenue per month offset (by hand, unit test)
    (3, 1.0, 3, {"EUR": "650.00"}),
    (1, 0.3333, 1, {"EUR": "500.00"}),
    (1, 0.3333, 2, {"EUR": "250.00", "USD": "50.00"}),
]


async def cohorts(settings: InsightsSettings) -> Any:
    token = mint_token(settings, sub="root", roles=["admin"])
    async with api_client(create_api(settings), headers={"Authorization": f"Bearer {token}"}) as api:
        answer = await api.get("/analytics/cohorts")
        assert answer.status_code == 200, answer.text
        return answer.json()["cohorts"]


async def test_cohort_table_live_equals_the_hand_computation_and_the_rebuild(
    crm_env: dict[str, str], topics: Topics, mongo_database: str
) -> None:
    live = settings_for(crm_env, rfm_interval_s=3600)
    history, late = cohort_history()
    await publish(live.kafka_bootstrap_servers, topics.deal, history + late + history[:2])

    async def settled(settings: InsightsSettings) -> Any:
        table = await cohorts(settings)
        assert {row["cohort"]: row["customers"] for row in table} == SIZES
        january = table[0]["months"]
        got = [(m["customers"], m["retention"], m["deals"], m["revenue"]) for m in january]
        assert got == JANUARY_MONTHS
        return table

    async with running_worker(create_worker(live, web_enabled=False)):
        live_table = await eventually(lambda: settled(live), timeout_s=90)
    assert live_table[1]["months"][1] == {
        "offset": 1, "customers": 1, "retention": 1.0, "deals": 1, "revenue": {"EUR": "1000.00"},
    }  # fmt: skip

    container = await bootstrap(live, role="api", provision=False)
    try:
        stored = await container.rfm.refresh()
        k4 = await container.customers.get(caller=ADMIN, customer_id="k4")
    finally:
        await container.close()
    assert stored["customers"] == 4
    assert (k4["rfm_quantiles"]["recency"], k4["rfm_quantiles"]["segment"]) == (2, "at_risk")

    batch = settings_for(crm_env, mongodb_database=f"{mongo_database}_batch")
    await rebuild(batch, database=batch.database_name)
    assert await cohorts(batch) == live_table
