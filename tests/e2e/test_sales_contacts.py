"""Contacts and sales as real processes (API + worker each) on the real broker and store.

- a customer renamed through contacts' API shows the new name on its deals in sales
  within a second;
- the stage flow of a deal ends in a win that moves the customer's lifecycle in contacts;
- lead conversion creates (or finds by e-mail) exactly one customer in contacts and
  one deal, also when repeated;
- a merge in contacts re-points the duplicate's deals; an erasure anonymises them.
"""

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


def _bearer(sub: str, roles: list[str], **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(CrmSettings(), sub=sub, roles=roles, **kw)}"}


async def test_sales_follows_contacts_and_contacts_follows_sales(crm_env: dict[str, str], free_port: Any) -> None:
    ports = {name: (free_port(), free_port()) for name in ("contacts", "sales")}
    env = {**crm_env, "CRM_LOG_JSON": "false"}
    sales_db = f"{crm_env['CRM_MONGODB_DATABASE']}_sales"  # each service owns its own database
    contacts_url = f"http://127.0.0.1:{ports['contacts'][0]}"
    specs = [
        *process_specs(["contacts"], env=env, ports=ports),
        *process_specs(
            ["sales"], env={**env, "CRM_MONGODB_DATABASE": sales_db, "CRM_CONTACTS_URL": contacts_url}, ports=ports
        ),
    ]
    try:
        await _scenario(specs)
    finally:
        client: MongoClient[dict[str, Any]] = MongoClient(crm_env["MONGODB_URL"])
        client.drop_database(sales_db)
        client.close()


async def _scenario(specs: list[ProcessSpec]) -> None:
    admin = _bearer("root", ["admin"], department="sales")
    rep = _bearer("alice", ["sales"], department="sales", teams=["emea"])
    with start_services(specs, health_timeout_s=120) as procs:
        async with (
            httpx.AsyncClient(base_url=procs["contacts-api"].spec.url or "", timeout=15) as contacts,
            httpx.AsyncClient(base_url=procs["sales-api"].spec.url or "", timeout=30) as sales,
        ):

            async def new_customer(name: str, email: str) -> str:
                r = await contacts.post(
                    "/customers",
                    headers=admin,
                    json={"kind": "company", "display_name": name, "emails": [email], "lifecycle_stage": "opportunity"},
                )
                assert r.status_code == 201, r.text
                return str(r.json()["id"])

            async def new_deal(customer_id: str, name: str) -> dict[str, Any]:
                async def attempt() -> dict[str, Any] | None:  # until sales' replica knows the customer
                    r = await sales.post(
                        "/deals", headers=rep, json={"name": name, "customer_id": customer_id, "amount": "48300.00"}
                    )
                    if r.status_code == 422 and r.json()["errors"][0]["type"] == "unknown_customer":
                        return None
                    assert r.status_code == 201, r.text
                    return dict(r.json())

                return await eventually(attempt, timeout_s=60)

            async def deal(deal_id: str) -> dict[str, Any]:
                r = await sales.get(f"/deals/{deal_id}", headers=rep)
                assert r.status_code == 200, r.text
                return dict(r.json())

            async def customer(customer_id: str) -> dict[str, Any]:
                r = await contacts.get(f"/customers/{customer_id}", headers=admin)
                assert r.status_code == 200, r.text
                return dict(r.json())

            # -- rename in contacts -> sales within a second ------------------------------
            nordwind = await new_customer("Nordwind", "lena@nordwind.example")
            d1 = await new_deal(nordwind, "Fleet tracking")

            async def replicated() -> bool:  # a deal is accepted before sales' replica has its customer
                inline = (await deal(d1["id"]))["customer"]
                return bool(inline and inline["display_name"] == "Nordwind")

            await eventually(replicated, timeout_s=30)
            etag = (await contacts.get(f"/customers/{nordwind}", headers=admin)).headers["etag"]
            r = await contacts.patch(
                f"/customers/{nordwind}",
                headers={**admin, "If-Match": etag},
                json={"display_name": "Nordwind Logistik"},
            )
            assert r.status_code == 200, r.text
            renamed_at = time.monotonic()

            async def renamed() -> bool:
                return bool((await deal(d1["id"]))["customer"]["display_name"] == "Nordwind Logistik")

            await eventually(renamed, timeout_s=10)
            assert time.monotonic() - renamed_at < 1.0

            # -- the stage flow; a win moves the customer's lifecycle in contacts ---------
            for version, (stage, reason) in enumerate(
                [("qualification", None), ("proposal", None), ("negotiation", None), ("closed_won", "fit")], start=1
            ):
                r = await sales.post(
                    f"/deals/{d1['id']}/stage",
                    headers={**rep, "If-Match": f'"{version}"'},
                    json={"stage": stage, "reason": reason},
                )
                assert r.status_code == 200, r.text

            async def is_customer() -> bool:
                return (await customer(nordwind))["lifecycle_stage"] == "customer"

            await eventually(is_customer, timeout_s=30)

            async def sales_sees_customer() -> bool:
                return bool((await deal(d1["id"]))["customer"]["lifecycle_stage"] == "customer")

            await eventually(sales_sees_customer, timeout_s=10)

            # -- lead conversion: one customer in contacts, one deal, also when repeated ---
            r = await sales.post(
                "/leads",
                headers=rep,
                json={
                    "first_name": "Kai",
                    "last_name": "Berg",
                    "email": "kai@berg.example",
                    "company_name": "Berg AG",
                    "region": "emea",
                    "owner_id": "alice",
                    "team": "emea",
                },
            )
            assert r.status_code == 201, r.text
            lead_id = r.json()["id"]
            body = {"deal": {"name": "Berg pilot", "amount": "12000"}}
            first = await sales.post(f"/leads/{lead_id}/convert", headers=rep, json=body)
            second = await sales.post(f"/leads/{lead_id}/convert", headers=rep, json=body)
            assert (first.status_code, second.status_code) == (200, 200), first.text
            assert first.json()["customer_id"] == second.json()["customer_id"]
            assert first.json()["deal_id"] == second.json()["deal_id"]
            found = (await contacts.get("/customers", params={"email": "kai@berg.example"}, headers=admin)).json()
            assert [c["id"] for c in found["items"]] == [first.json()["customer_id"]]
            assert found["items"][0]["lifecycle_stage"] == "opportunity"
            deals = (await sales.get("/deals", params={"customer_id": first.json()["customer_id"]}, headers=rep)).json()
            assert deals["total"] == 1

            # a lead with a known e-mail is linked to that customer, no new one
            r = await sales.post(
                "/leads",
                headers=rep,
                json={"last_name": "Fischer", "email": "lena@nordwind.example", "owner_id": "alice", "team": "emea"},
            )
            converted = await sales.post(f"/leads/{r.json()['id']}/convert", headers=rep, json={"create_deal": False})
            assert converted.json()["customer_id"] == nordwind

            # -- merge in contacts -> deals re-pointed in sales -----------------------------
            dup = await new_customer("Nordwind (duplicate)", "info@nordwind.example")
            d2 = await new_deal(dup, "Dup deal")
            r = await contacts.post(f"/customers/{nordwind}/merge", headers=admin, json={"duplicate_ids": [dup]})
            assert r.status_code == 200, r.text

            async def repointed() -> bool:
                return bool((await deal(d2["id"]))["customer_id"] == nordwind)

            await eventually(repointed, timeout_s=30)

            # -- erasure in contacts -> personal data gone from sales -----------------------
            r = await contacts.post(f"/customers/{nordwind}/erasure", headers=admin, json={"request_id": "dsr-e2e-1"})
            assert r.status_code == 200, r.text

            async def anonymised() -> bool:
                got = await deal(d2["id"])
                return bool(got["anonymized"] and got["customer"] and got["customer"]["erased"])

            await eventually(anonymised, timeout_s=30)
            got = await deal(d1["id"])
            assert (got["name"], got["amount"], got["status"]) == ("[erased]", "48300.00", "won")

            async def lead_anonymised() -> bool:  # leads come after deals in the same handler
                lead = (await sales.get(f"/leads/{converted.json()['id']}", headers=rep)).json()
                return bool(lead["anonymized"] and (lead["email"], lead["last_name"]) == (None, None))

            await eventually(lead_anonymised, timeout_s=30)
