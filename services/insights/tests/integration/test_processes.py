"""The real processes (``python -m crm_insights.entrypoints.api`` and ``.worker``, as
``crm dev`` and the end-to-end tests start them): a stage change published to the
broker shows in the API's pipeline aggregates, for the caller who may see it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_insights.testing import ScriptedDeal, day
from crm_shared.auth import mint_token
from crm_shared.kafka.producer import EventPublisher
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def test_a_stage_change_reaches_the_aggregates_through_the_processes(
    crm_env: dict[str, str], topics: Topics, free_port: Any
) -> None:
    api_port, worker_port = free_port(), free_port()
    specs = process_specs(
        ["insights"], env={**crm_env, "CRM_LOG_JSON": "false"}, ports={"insights": (api_port, worker_port)}
    )
    deal = ScriptedDeal("px-1", "cx-1", "px", "qualify", 20, "800.00", "EUR", "alice", "t1", day("2026-04-01"))
    events = [deal.create(), deal.move("propose", 50, day("2026-04-03"))]
    tokens = {
        who: mint_token(CrmSettings(), sub=who, roles=roles, teams=teams)
        for who, roles, teams in (("alice", ["sales"], ["t1"]), ("bob", ["sales"], ["t2"]))
    }
    with start_services(specs, health_timeout_s=120):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}") as api:
            publisher = EventPublisher(crm_env["KAFKA_BOOTSTRAP_SERVERS"])
            await publisher.start()
            try:
                await publisher.publish_many([(topics.deal, e) for e in events])
            finally:
                await publisher.stop()

            async def stages(who: str) -> list[dict[str, Any]]:
                answer = await api.get(
                    "/aggregates/pipeline",
                    params={"pipeline_id": "px"},
                    headers={"authorization": f"Bearer {tokens[who]}"},
                )
                assert answer.status_code == 200, answer.text
                return list(answer.json()["stages"])

            async def moved() -> bool:
                assert await stages("alice") == [
                    {"stage": "propose", "status": "open", "currency": "EUR", "count": 1, "amount": "800.00",
                     "weighted": "400.00"},
                ]  # fmt: skip
                return True

            await eventually(moved, timeout_s=90)
            assert await stages("bob") == []  # not his deal, not his team's
