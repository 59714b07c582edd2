"""The real processes (contacts' API, marketing's API and worker): contacts' consent field
becomes a ledger entry; an objection recorded in marketing
turns contacts' consent fields off, and the change coming back adds no second entry."""

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
async def test_an_objection_reaches_contacts_once(crm_env: dict[str, str], topics: Topics, free_port: Any) -> None:
    ports = {"marketing": (free_port(), free_port()), "contacts": (free_port(), 0)}
    env = {**crm_env, "CRM_LOG_JSON": "false"}
    specs = process_specs(["marketing"], env=env, ports=ports) + process_specs(
        ["contacts"], env=env, ports=ports, roles=["api"]
    )
    admin = {"Authorization": f"Bearer {mint_token(CrmSettings(), sub='root', roles=['admin'])}"}
    with start_services(specs, health_timeout_s=180):
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['marketing'][0]}", timeout=30, headers=admin) as mkt,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['contacts'][0]}", timeout=30, headers=admin) as ct,
        ):
            body = {
                "kind": "person", "display_name": "Ada Lovelace", "emails": ["ada@example.com"],
                "lifecycle_stage": "lead",
                "consent": {"email": {"granted": True, "at": "2026-01-01T00:00:00Z", "source": "web_form"}},
            }  # fmt: skip
            created = await ct.post("/customers", json=body)
            assert created.status_code == 201, created.text
            cid = created.json()["id"]

            async def ledger(n: int) -> list[tuple[str, str]]:
                entries = (await mkt.get(f"/consents/{cid}")).json()["entries"]
                got = [(e["action"], e["source"]) for e in entries]
                assert len(got) == n, got
                return got

            assert await eventually(lambda: ledger(1), timeout_s=60) == [("granted", "contacts")]
            objection = {"purpose": "*", "channel": "any", "action": "objected", "source": "phone_call"}
            assert (await mkt.post(f"/consents/{cid}", json=objection)).status_code == 201

            async def refused() -> dict[str, Any]:
                consent = (await ct.get(f"/customers/{cid}")).json()["consent"]
                assert consent["email"]["granted"] is False, consent
                assert consent["marketing"]["granted"] is False, consent
                return dict(consent)

            await eventually(refused, timeout_s=60)
            # the customer.updated it caused reaches marketing's worker and is recognised
            version = (await ct.get(f"/customers/{cid}")).json()["version"]
            patch = await ct.patch(f"/customers/{cid}", json={"tags": ["seen"]}, headers={"If-Match": f'"{version}"'})
            assert patch.status_code == 200, patch.text

            async def tagged_seen() -> bool:
                answer = await mkt.post(
                    "/segments/preview",
                    json={"conditions": {"conditions": [{"field": "tags", "op": "contains", "value": "seen"}]}},
                )
                return bool(answer.json()["count"] == 1)

            await eventually(tagged_seen, timeout_s=60)  # the worker has read past the consent change
            assert await ledger(2) == [("granted", "contacts"), ("objected", "phone_call")]
