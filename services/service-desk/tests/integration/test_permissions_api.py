"""The permission matrix over HTTP: who reads, lists, changes which ticket, and who
sees internal comments."""

from __future__ import annotations

import httpx
import pytest
from crm_service_desk.bootstrap import Container
from crm_service_desk.settings import ServiceDeskSettings

from .support import customer_event, token

PRINCIPALS: dict[str, tuple[str, tuple[str, ...], list[str] | None, str]] = {
    "admin": ("root", ("admin",), None, "user"),
    "service_manager": ("mia", ("service", "manager"), ["tech"], "user"),
    "billing_agent": ("ana", ("service",), ["billing"], "user"),
    "tech_agent": ("tom", ("service",), ["tech"], "user"),
    "owner_sales": ("rep1", ("sales",), None, "user"),
    "other_sales": ("rep2", ("sales",), None, "user"),
    "integration": ("mailgw", ("integration",), None, "service"),
    "marketing": ("mk", ("marketing",), None, "user"),
}
# who: (visible tickets of billing/tech/ungrouped, internal comments visible, may change the billing ticket)
EXPECTED = {
    "admin": ({"billing", "tech", "ungrouped"}, True, True),
    "service_manager": ({"billing", "tech", "ungrouped"}, True, True),
    "billing_agent": ({"billing", "ungrouped"}, True, True),
    "tech_agent": ({"tech", "ungrouped"}, True, False),
    "owner_sales": ({"billing"}, False, False),
    "other_sales": (set(), False, False),
    "integration": ({"billing", "tech", "ungrouped"}, False, False),
    "marketing": (set(), False, False),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
async def test_matrix(who: str, api: httpx.AsyncClient, settings: ServiceDeskSettings, container: Container) -> None:
    await container.replica.on_customer_state(customer_event("crm.customer.created", "owned", 1, owner_id="rep1"))
    admin = token(settings, "root", "admin")
    ids = {}
    for name, group, customer in (
        ("billing", "billing", "owned"),
        ("tech", "tech", "other"),
        ("ungrouped", None, "other"),
    ):
        r = await api.post(
            "/tickets",
            json={"customer_id": customer, "subject": name, "channel": "email", "group": group},
            headers=admin,
        )
        ids[name] = r.json()["id"]
    for body, public in (("public answer", True), ("internal note", False)):
        await api.post(f"/tickets/{ids['billing']}/comments", json={"body": body, "public": public}, headers=admin)

    sub, roles, teams, kind = PRINCIPALS[who]
    headers = token(settings, sub, *roles, teams=teams, kind=kind)
    visible, internal, may_change = EXPECTED[who]

    readable = {
        name for name, tid in ids.items() if (await api.get(f"/tickets/{tid}", headers=headers)).status_code == 200
    }
    assert readable == visible
    listing = await api.get("/tickets", headers=headers)
    if visible:
        assert {t["subject"] for t in listing.json()["items"]} == visible
    else:
        assert listing.status_code == 403 or listing.json()["items"] == []

    comments = await api.get(f"/tickets/{ids['billing']}/comments", headers=headers)
    if "billing" in visible:
        bodies = [c["body"] for c in comments.json()["items"]]
        assert bodies == (["public answer", "internal note"] if internal else ["public answer"])
    else:
        assert comments.status_code == 403

    r = await api.patch(f"/tickets/{ids['billing']}", json={"tags": ["vip"]}, headers={**headers, "If-Match": "*"})
    assert r.status_code == (200 if may_change else 403), r.text
    r = await api.post(f"/tickets/{ids['billing']}/comments", json={"body": "x", "public": False}, headers=headers)
    assert r.status_code == (201 if may_change else 403)
