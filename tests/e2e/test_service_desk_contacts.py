"""Contacts and service-desk as real processes (API + worker each) on the real broker and
store: a customer renamed in contacts shows the new name on its tickets within a second;
a merge re-points the duplicate's tickets; an erasure purges them of personal data."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import ProcessSpec, start_services
from crm_devtools.testkit import eventually
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings
from pymongo import MongoClient

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


async def test_rename_merge_and_erasure_reach_tickets(crm_env: dict[str, str], free_port: Any) -> None:
    settings = CrmSettings()
    admin = {"Authorization": f"Bearer {mint_token(settings, sub='alice', roles=['admin'], department='sales')}"}
    agent = {
        "Authorization": "Bearer "
        + mint_token(settings, sub="ana", roles=["service"], department="service", teams=["billing"])
    }
    ports = {name: (free_port(), free_port()) for name in ("contacts", "service-desk")}
    env = {**crm_env, "CRM_LOG_JSON": "false"}
    desk_db = f"{crm_env['CRM_MONGODB_DATABASE']}_sd"  # each service owns its own database
    specs = [
        *process_specs(["contacts"], env=env, ports=ports),
        *process_specs(["service-desk"], env={**env, "CRM_MONGODB_DATABASE": desk_db}, ports=ports),
    ]
    try:
        await _scenario(specs, admin, agent)
    finally:
        client: MongoClient[dict[str, Any]] = MongoClient(crm_env["MONGODB_URL"])
        client.drop_database(desk_db)
        client.close()


async def _scenario(specs: list[ProcessSpec], admin: dict[str, str], agent: dict[str, str]) -> None:
    with start_services(specs) as procs:
        async with (
            httpx.AsyncClient(base_url=procs["contacts-api"].spec.url or "", timeout=10) as contacts,
            httpx.AsyncClient(base_url=procs["service-desk-api"].spec.url or "", timeout=10) as desk,
        ):

            async def new_customer(name: str) -> tuple[str, str]:
                r = await contacts.post(
                    "/customers",
                    json={"kind": "company", "display_name": name, "tier": "gold", "lifecycle_stage": "customer"},
                    headers=admin,
                )
                assert r.status_code == 201, r.text
                return r.json()["id"], r.headers["etag"]

            async def new_ticket(customer_id: str) -> str:
                r = await desk.post(
                    "/tickets",
                    headers=agent,
                    json={
                        "customer_id": customer_id,
                        "subject": "Invoice twice",
                        "channel": "email",
                        "group": "billing",
                        "requester_email": "lena@nordwind.example",
                        "requester_name": "Lena Fischer",
                    },
                )
                assert r.status_code == 201, r.text
                r2 = await desk.post(
                    f"/tickets/{r.json()['id']}/comments", headers=agent, json={"body": "Hello Lena, we refunded it."}
                )
                assert r2.status_code == 201, r2.text
                return str(r.json()["id"])

            async def ticket(tid: str) -> dict[str, Any]:
                r = await desk.get(f"/tickets/{tid}", headers=agent)
                assert r.status_code == 200, r.text
                return dict(r.json())

            async def shows(tid: str, name: str) -> bool:
                return (await ticket(tid))["customer"].get("display_name") == name

            # -- rename: within 1 s ------------------------------------------------------------
            cid, etag = await new_customer("Nordwind Logistik")
            tid = await new_ticket(cid)
            await eventually(lambda: shows(tid, "Nordwind Logistik"), timeout_s=90)  # workers warmed up
            r = await contacts.patch(
                f"/customers/{cid}", json={"display_name": "Nordwind Logistik AG"}, headers={**admin, "If-Match": etag}
            )
            assert r.status_code == 200, r.text
            renamed_at = time.monotonic()
            await eventually(lambda: shows(tid, "Nordwind Logistik AG"), timeout_s=5)
            assert time.monotonic() - renamed_at < 1.0
            assert (await ticket(tid))["customer"]["tier"] == "gold"

            # -- merge: the duplicate's tickets move to the survivor ----------------------------
            dup, _ = await new_customer("Nordwind Logistik (dup)")
            dup_ticket = await new_ticket(dup)
            await eventually(lambda: shows(dup_ticket, "Nordwind Logistik (dup)"))
            r = await contacts.post(f"/customers/{cid}/merge", json={"duplicate_ids": [dup]}, headers=admin)
            assert r.status_code == 200, r.text

            async def moved() -> bool:
                view = await ticket(dup_ticket)
                return view["customer_id"] == cid and view["customer"].get("display_name") == "Nordwind Logistik AG"

            await eventually(moved)

            # -- erasure: personal data leaves tickets and comments -----------------------------
            r = await contacts.post(f"/customers/{cid}/erasure", json={"request_id": "dsr-42"}, headers=admin)
            assert r.status_code == 200, r.text

            async def erased() -> bool:
                views = [await ticket(t) for t in (tid, dup_ticket)]
                return all(v["erased"] and v["customer"]["state"] == "erased" for v in views)

            await eventually(erased)
            for t in (tid, dup_ticket):
                view = await ticket(t)
                assert (view["subject"], view["requester_email"], view["requester_name"]) == ("[erased]", None, None)
                comments = (await desk.get(f"/tickets/{t}/comments", headers=agent)).json()["items"]
                assert [c["body"] for c in comments] == ["[erased]"]
