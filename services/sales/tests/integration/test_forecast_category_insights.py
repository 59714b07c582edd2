"""The owner's forecast category on a deal (``PATCH /deals/{id}`` with
``forecast_category``), on the real broker and store: sales commits and publishes the
deal, insights' processes (API and worker, as ``crm dev`` starts them) consume
``crm.deal``, and insights' forecast by category moves the deal's amount from its
stage's category to the override, and back when the override is cleared."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_sales.bootstrap import Container
from crm_shared.aggregates.handoff import flush_all

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

EMPTY = {"closed": "0.00", "commit": "0.00", "best_case": "0.00", "pipeline": "0.00", "omitted": "0.00"}


async def test_a_deals_forecast_category_override_moves_it_in_insights_forecast(
    live_api: httpx.AsyncClient, live: Container, auth: Any, customer_seeder: Any, crm_env: dict[str, str],
    free_port: Any,
) -> None:  # fmt: skip
    api_port, worker_port = free_port(), free_port()
    specs = process_specs(
        ["insights"], env={**crm_env, "CRM_LOG_JSON": "false"}, ports={"insights": (api_port, worker_port)}
    )
    alice = auth("alice", "sales", teams=["emea"])
    manager = auth("mona", "sales", "manager")
    cid = await customer_seeder(live)
    with start_services(specs, health_timeout_s=120):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", headers=manager) as insights:
            body = {"name": "Fleet", "customer_id": cid, "amount": "1200.00", "currency": "EUR",
                    "expected_close_date": "2026-09-15"}  # fmt: skip
            created = await live_api.post("/deals", json=body, headers=alice)
            assert created.status_code == 201, created.text
            deal = created.json()

            async def categories_are(expected: dict[str, str]) -> bool:
                await flush_all()  # the relay's hand-off publishes what this process committed
                answer = await insights.get(
                    "/analytics/forecast", params={"period": "2026-09", "pipeline_id": deal["pipeline_id"]}
                )
                assert answer.status_code == 200, answer.text
                eur = [c for c in answer.json()["by_currency"] if c["currency"] == "EUR"]
                assert len(eur) == 1, answer.json()  # not yet consumed: "not yet", not a failure
                assert eur[0]["categories"] == expected
                return True

            # the first stage (10 %) is "pipeline"
            await eventually(lambda: categories_are({**EMPTY, "pipeline": "1200.00"}), timeout_s=90)

            patched = await live_api.patch(
                f"/deals/{deal['id']}", json={"forecast_category": "commit"}, headers={**alice, "If-Match": '"1"'}
            )
            assert patched.status_code == 200, patched.text
            assert patched.json()["forecast_category"] == "commit"
            await eventually(lambda: categories_are({**EMPTY, "commit": "1200.00"}), timeout_s=60)

            cleared = await live_api.patch(
                f"/deals/{deal['id']}", json={"forecast_category": None}, headers={**alice, "If-Match": '"2"'}
            )
            assert cleared.status_code == 200, cleared.text
            await eventually(lambda: categories_are({**EMPTY, "pipeline": "1200.00"}), timeout_s=60)

            bad = await live_api.patch(
                f"/deals/{deal['id']}", json={"forecast_category": "maybe"}, headers={**alice, "If-Match": '"3"'}
            )
            assert bad.status_code == 422
            assert bad.headers["content-type"].startswith("application/problem+json")
