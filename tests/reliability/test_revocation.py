"""Issue 16 item 6: a user revoked through one API is refused by the others within 5 s,
and accepted again within 5 s once an admin withdraws the revocation through another.

Contacts' and sales' APIs run as processes on the real broker; the revocation goes
through contacts' ``POST /admin/revocations`` onto the ``crm.revocation`` topic, which
every API tails.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_devtools.testkit import eventually
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings

pytestmark = [pytest.mark.e2e, pytest.mark.integration]  # a defect test: in make test too


async def test_a_user_revoked_via_one_api_is_refused_by_the_others_within_5_s_until_withdrawn(
    crm_env: dict[str, str], free_port: Any
) -> None:
    ports = {"contacts": (free_port(), free_port()), "sales": (free_port(), free_port())}
    specs = process_specs(["contacts", "sales"], env=crm_env, ports=ports, roles=["api"])
    settings = CrmSettings()
    admin = {"Authorization": f"Bearer {mint_token(settings, sub='it-admin', roles=['admin'])}"}
    rep = {"Authorization": f"Bearer {mint_token(settings, sub='rep-9', roles=['sales'], department='sales')}"}
    peer = {"Authorization": f"Bearer {mint_token(settings, sub='rep-10', roles=['sales'], department='sales')}"}
    with start_services(specs, health_timeout_s=120):
        contacts = httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['contacts'][0]}", timeout=10)
        sales = httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['sales'][0]}", timeout=10)
        async with contacts, sales:
            assert (await sales.get("/deals", headers=rep)).status_code == 200
            forbidden = await contacts.post("/admin/revocations", json={"sub": "rep-10"}, headers=rep)
            assert forbidden.status_code == 403

            revoked = await contacts.post("/admin/revocations", json={"sub": "rep-9"}, headers=admin)
            assert revoked.status_code == 202, revoked.text
            started = time.monotonic()

            async def refused_by_sales() -> bool:
                answer = await sales.get("/deals", headers=rep)
                assert answer.status_code == 401, answer.status_code
                return bool(answer.json()["detail"] == "token revoked")

            await eventually(refused_by_sales, timeout_s=5, interval_s=0.1)
            took = time.monotonic() - started
            assert (await contacts.get("/customers", headers=rep)).status_code == 401
            assert (await sales.get("/deals", headers=peer)).status_code == 200  # only that user
            await asyncio.sleep(1.1)  # iat has second precision: a token of a later second
            fresh = {"Authorization": f"Bearer {mint_token(settings, sub='rep-9', roles=['sales'])}"}
            assert (await sales.get("/deals", headers=fresh)).status_code == 200  # signed in again

            # withdrawn through the other API: the old token works everywhere again within 5 s
            assert (await sales.delete("/admin/revocations/sub:rep-9", headers=rep)).status_code == 401
            assert (await sales.delete("/admin/revocations/sub:rep-9", headers=peer)).status_code == 403
            assert (await sales.delete("/admin/revocations/sub:nobody", headers=admin)).status_code == 404
            assert (await sales.delete("/admin/revocations/rep-9", headers=admin)).status_code == 422
            withdrawn = await sales.delete("/admin/revocations/sub:rep-9", headers=admin)
            assert withdrawn.status_code == 204, withdrawn.text
            started = time.monotonic()

            async def accepted_by_contacts() -> bool:
                return (await contacts.get("/customers", headers=rep)).status_code == 200

            await eventually(accepted_by_contacts, timeout_s=5, interval_s=0.1)
            took_back = time.monotonic() - started
    assert took < 5
    assert took_back < 5
