"""The real processes (marketing's API and worker, sales' API, as ``crm dev`` starts them): a
web-form submission creates one lead in sales with its consent entry in the ledger; a
repeat makes no second lead; the honeypot and a tampered token get 4xx and create
nothing; a flood from one address is throttled (429). Scoring: the submission scores the
lead below the threshold; a change of industry moves it over, and sales assigns it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


@pytest.mark.timeout(600)
async def test_a_form_submission_becomes_one_lead_with_its_consent(
    crm_env: dict[str, str], topics: Topics, free_port: Any
) -> None:
    ports = {"marketing": (free_port(), free_port()), "sales": (free_port(), 0)}
    env = {**crm_env, "CRM_LOG_JSON": "false", "CRM_FORM_TOKEN_MIN_AGE_S": "0", "CRM_FORM_SUBMISSIONS_PER_MINUTE": "5"}
    specs = process_specs(["marketing"], env=env, ports=ports) + process_specs(
        ["sales"], env=env, ports=ports, roles=["api"]
    )
    marketer = {"Authorization": f"Bearer {mint_token(CrmSettings(), sub='mia', roles=['marketing'])}"}
    admin = {"Authorization": f"Bearer {mint_token(CrmSettings(), sub='root', roles=['admin'])}"}
    with start_services(specs, health_timeout_s=180):
        marketing = f"http://127.0.0.1:{ports['marketing'][0]}"
        sales = f"http://127.0.0.1:{ports['sales'][0]}"
        async with (
            httpx.AsyncClient(base_url=marketing, timeout=30) as api,
            httpx.AsyncClient(base_url=sales, timeout=30, headers=admin) as sales_api,
        ):
            rules = {
                "threshold": 50,
                "rules": [
                    {"id": "form", "points": 30,
                     "conditions": {"conditions": [{"field": "form_submissions", "op": "gte", "value": 1}]}},
                    {"id": "software", "points": 30,
                     "conditions": {"conditions": [{"field": "industry", "op": "eq", "value": "software"}]}},
                ],
            }  # fmt: skip
            assert (await api.put("/scoring", json=rules, headers=marketer)).status_code == 200
            routing = {"rules": [{"id": "software", "match": {"industries": ["software"]}, "owner_id": "sam"}]}
            answer = await sales_api.put("/assignment-rules", json=routing, headers={"If-Match": '"0"'})
            assert answer.status_code == 200, answer.text
            body = {"name": "Newsletter", "purpose": "newsletter", "consent_text": "Send me the newsletter"}
            form = await api.post("/forms", json=body, headers=marketer)
            assert form.status_code == 201, form.text
            form_id = form.json()["id"]
            assert f"/forms/{form_id}/submissions" in form.json()["embed"]
            token = (await api.get(f"/forms/{form_id}/token")).json()["token"]
            fields = {"token": token, "email": "Lena@Example.com", "first_name": "Lena", "consent": "on"}

            first = await api.post(f"/forms/{form_id}/submissions", data=fields)  # as the HTML form posts it
            assert first.status_code == 201, first.text
            lead_id = first.json()["lead_id"]
            again = await api.post(f"/forms/{form_id}/submissions", data=fields)
            assert again.json()["lead_id"] == lead_id  # a double click makes no second lead

            lead = await sales_api.get(f"/leads/{lead_id}")
            assert lead.status_code == 200, lead.text
            assert (lead.json()["email"], lead.json()["source"]) == ("lena@example.com", "web_form")
            ledger = (await api.get(f"/consents/lead:{lead_id}", headers=marketer)).json()["entries"]
            assert [(e["purpose"], e["action"], e["source"]) for e in ledger] == [("newsletter", "granted", "web_form")]

            bot = await api.post(f"/forms/{form_id}/submissions", data={**fields, "email": "b@x.io", "website": "x"})
            assert bot.status_code == 422, bot.text
            forged = await api.post(f"/forms/{form_id}/submissions", data={**fields, "token": token[:-4] + "AAAA"})
            assert forged.status_code == 403, forged.text

            flood = [
                (await api.post(f"/forms/{form_id}/submissions", data={**fields, "email": f"f{n}@x.io"})).status_code
                for n in range(4)
            ]
            assert flood[0] == 201
            assert flood[1:] == [429, 429, 429]
            leads = (await sales_api.get("/leads", params={"limit": 100})).json()["items"]
            assert sorted(item["email"] for item in leads) == ["f0@x.io", "lena@example.com"]

            async def scored(expected: int) -> dict[str, Any]:
                found = (await sales_api.get(f"/leads/{lead_id}")).json()
                assert found["score"] == expected, found
                return dict(found)

            lead_now = await eventually(lambda: scored(30), timeout_s=60)  # the form: 30 < 50, not assigned
            assert lead_now["owner_id"] is None
            changed = await sales_api.patch(
                f"/leads/{lead_id}", json={"industry": "software"}, headers={"If-Match": f'"{lead_now["version"]}"'}
            )
            assert changed.status_code == 200, changed.text
            qualified = await eventually(lambda: scored(60), timeout_s=60)
            assigned = qualified if qualified["owner_id"] else await eventually(lambda: _owner(sales_api, lead_id))
            assert assigned["owner_id"] == "sam"


async def _owner(sales_api: httpx.AsyncClient, lead_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] = (await sales_api.get(f"/leads/{lead_id}")).json()
    return found if found["owner_id"] else None
