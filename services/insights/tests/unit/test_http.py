"""The HTTP surface over the in-memory container: status codes and shapes."""

from __future__ import annotations

from crm_devtools.testkit import api_client
from crm_insights.bootstrap import in_memory
from crm_insights.entrypoints.api import create_api
from crm_insights.settings import InsightsSettings
from crm_insights.testing import scripted_history
from crm_shared.auth import mint_token


async def test_routes_answer_per_role() -> None:
    settings = InsightsSettings(topic_prefix="")
    container = in_memory(settings)
    for event in scripted_history():
        await container.deals.on_event(event)

    async def factory():  # type: ignore[no-untyped-def]
        return container

    admin = {"Authorization": f"Bearer {mint_token(settings, sub='root', roles=['admin'])}"}
    rep = {"Authorization": f"Bearer {mint_token(settings, sub='alice', roles=['sales'], teams=['t1'])}"}
    async with api_client(create_api(settings, container_factory=factory)) as api:
        body = {"amount": "2000.00", "currency": "EUR"}
        assert (await api.put("/targets/team/t1/2026-02", json=body, headers=rep)).status_code == 403
        put = await api.put("/targets/team/t1/2026-02", json=body, headers=admin)
        assert put.status_code == 200, put.text
        assert (await api.put("/targets/team/t1/2026-13", json=body, headers=admin)).status_code == 422
        assert (await api.get("/analytics/forecast", headers=admin)).status_code == 422
        forecast = await api.get("/analytics/forecast", params={"team": "t1", "period": "2026-02"}, headers=rep)
        assert forecast.json()["by_currency"][0]["attainment"] == 0.5
        pipeline = await api.get("/aggregates/pipeline", headers=rep)
        assert [s["stage"] for s in pipeline.json()["stages"]] == ["lost", "won"]  # alice's deals only
        assert (await api.get("/aggregates/pipeline", params={"period": "26-1"}, headers=rep)).status_code == 422
        assert (await api.get("/analytics/sales")).status_code == 401
        assert (await api.get("/targets", headers=rep)).json()["items"][0]["who"] == "t1"
