"""The permission matrix through the API: one deal and one lead of alice (team emea)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_sales.bootstrap import Container
from crm_sales.domain.deal import DealDraft
from crm_sales.domain.lead import LeadInput
from crm_sales.domain.pipeline import DEFAULT_PIPELINE
from crm_shared.auth import Principal

pytestmark = pytest.mark.integration

ROLES: dict[str, tuple[str, tuple[str, ...], list[str] | None]] = {
    "owner": ("alice", ("sales",), ["emea"]),
    "teammate": ("bob", ("sales",), ["emea"]),
    "other rep": ("carol", ("sales",), ["apac"]),
    "manager": ("max", ("sales", "manager"), None),
    "admin": ("root", ("admin",), None),
    "service": ("sam", ("service",), None),
    "marketing": ("mia", ("marketing",), None),
    "readonly": ("rob", ("readonly",), None),
    "integration": ("svc-web", ("integration",), None),
}

#  role        GET deal  PATCH deal  list deals  GET lead  PATCH lead  POST lead  POST deal  funnel  PUT pipeline
MATRIX = {
    "owner": (200, 200, 1, 200, 200, 201, 201, 200, 403),
    "teammate": (200, 200, 1, 200, 200, 201, 201, 200, 403),
    "other rep": (404, 404, 0, 404, 404, 201, 201, 200, 403),
    "manager": (200, 200, 1, 200, 200, 201, 201, 200, 403),
    "admin": (200, 200, 1, 200, 200, 201, 201, 200, 200),
    "service": (200, 403, 1, 403, 403, 403, 403, 403, 403),
    "marketing": (403, 403, None, 200, 403, 201, 403, 403, 403),
    "readonly": (200, 403, 1, 200, 403, 403, 403, 200, 403),
    "integration": (200, 403, 1, 200, 403, 201, 403, 403, 403),
}


@pytest.mark.parametrize("role", list(MATRIX))
async def test_permission_matrix(
    role: str, api: httpx.AsyncClient, auth: Any, container: Container, customer_seeder: Any
) -> None:
    cid = await customer_seeder(container)
    alice = Principal(sub="alice", roles=frozenset({"sales"}), teams=("emea",))
    deal, _ = await container.deals.create(alice, DealDraft(name="D", customer_id=cid))
    lead, _ = await container.leads.capture(alice, LeadInput(last_name="L", owner_id="alice", team="emea"))
    sub, roles, teams = ROLES[role]
    h = auth(sub, *roles, teams=teams, kind="service" if role == "integration" else "user")
    tag = {"If-Match": "*"}
    got_deal = (await api.get(f"/deals/{deal.id}", headers=h)).status_code
    patch_deal = (await api.patch(f"/deals/{deal.id}", json={"name": "E"}, headers={**h, **tag})).status_code
    listing = await api.get("/deals", headers=h)
    listed = listing.json()["total"] if listing.status_code == 200 else None
    got_lead = (await api.get(f"/leads/{lead.id}", headers=h)).status_code
    patch_lead = (await api.patch(f"/leads/{lead.id}", json={"score": 5}, headers={**h, **tag})).status_code
    new_lead = (
        await api.post("/leads", json={"last_name": "N", "team": teams[0] if teams else None}, headers=h)
    ).status_code
    new_deal = (await api.post("/deals", json={"name": "N", "customer_id": cid}, headers=h)).status_code
    funnel = (await api.get("/analytics/funnel", headers=h)).status_code
    body = DEFAULT_PIPELINE.model_dump()
    put = (await api.put("/pipelines/default", json=body, headers={**h, **tag})).status_code
    assert (got_deal, patch_deal, listed, got_lead, patch_lead, new_lead, new_deal, funnel, put) == MATRIX[role]


async def test_a_rep_cannot_hand_a_deal_outside_the_team(
    api: httpx.AsyncClient, auth: Any, container: Container, customer_seeder: Any
) -> None:
    h = auth("alice", "sales", teams=["emea"])
    deal = (
        await api.post("/deals", json={"name": "D", "customer_id": await customer_seeder(container)}, headers=h)
    ).json()
    r = await api.patch(
        f"/deals/{deal['id']}", json={"owner_id": "carol", "team": "apac"}, headers={**h, "If-Match": '"1"'}
    )
    assert r.status_code == 403
    r = await api.patch(f"/deals/{deal['id']}", json={"owner_id": "bob"}, headers={**h, "If-Match": '"1"'})
    assert (r.status_code, r.json()["owner_id"]) == (200, "bob")  # still the team's
    r = await api.post(
        "/deals", json={"name": "D", "customer_id": deal["customer_id"], "owner_id": "carol", "team": "apac"}, headers=h
    )
    assert r.status_code == 403
    r = await api.get("/analytics/funnel", params={"owner_id": "carol"}, headers=h)
    assert r.status_code == 403
