"""Customers, leads and deals: each created once (idempotency key, or found by e-mail),
then moved to its planned state from wherever a previous run left it."""

from __future__ import annotations

from typing import Any

from crm_shared.demo import DEMO_USERS

from crm_devtools.seed.client import Clients, SeedError, version_of
from crm_devtools.seed.model import CustomerPlan, DealPlan, LeadPlan
from crm_devtools.seed.report import KindCount

ADMIN = "admin"
HEAD_OF_SALES = "li.wei"
SALES_USERS = frozenset(u.sub for u in DEMO_USERS if "sales" in u.roles)


def key_header(key: str) -> dict[str, str]:
    return {"Idempotency-Key": f"crm-seed:{key}"}


async def existing_customers(c: Clients) -> dict[str, str]:
    """Primary e-mail → customer id of every customer in contacts (a seeded one's key)."""
    found: dict[str, str] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200, "order": "asc"}
        if cursor:
            params["cursor"] = cursor
        page = await c.contacts.get_json("/customers", user=ADMIN, params=params)
        for item in page.get("items", []):
            emails = item.get("emails") or []
            if emails:
                found.setdefault(str(emails[0]), str(item["id"]))
        cursor = page.get("next_cursor")
        if not cursor:
            return found


async def ensure_customer(c: Clients, plan: CustomerPlan, ids: dict[str, str], count: KindCount) -> None:
    """Create the customer unless contacts has it; ``ids`` maps plan keys (and e-mails) to ids."""
    if plan.email in ids:
        ids[plan.key] = ids[plan.email]
        count.existing += 1
        return
    body = dict(plan.body)
    if plan.company_key:
        body["company_id"] = ids[plan.company_key]
    response = await c.contacts.call(
        "POST",
        "/customers",
        user=plan.creator,
        json=body,
        headers={**key_header(plan.key), "X-Change-Origin": "crm-seed"},
    )
    ids[plan.key] = ids[plan.email] = str(response.json()["id"])
    if response.status_code == 201:
        count.created += 1
    else:
        count.existing += 1


def _actor(owner: str | None) -> str:
    """Who works a record: its owner when that is a sales user, else the head of sales."""
    return owner if owner in SALES_USERS else HEAD_OF_SALES


async def ensure_lead(c: Clients, plan: LeadPlan, count: KindCount) -> dict[str, Any]:
    """Capture the lead, then make it ``working`` or disqualify it (conversion comes later)."""
    response = await c.sales.call("POST", "/leads", user=plan.creator, json=plan.body, headers=key_header(plan.key))
    lead = dict(response.json())
    if response.status_code == 201:
        count.created += 1
    else:
        count.existing += 1
    if lead["status"] not in ("new", "assigned"):
        return lead
    actor, path = _actor(lead.get("owner_id")), f"/leads/{lead['id']}"
    if plan.outcome == "working":
        response = await c.sales.call(
            "PATCH", path, user=actor, json={"status": "working"}, version=version_of(response)
        )
    elif plan.outcome == "disqualified":
        response = await c.sales.call(
            "POST", f"{path}/disqualify", user=actor, json={"reason": plan.reason}, version=version_of(response)
        )
    else:
        return lead
    return dict(response.json())


async def convert_lead(c: Clients, plan: LeadPlan, lead_id: str) -> bool:
    """Convert (links the person already in contacts and opens a deal); resumes a half-done
    one. False when it was converted already."""
    for _ in range(10):
        response = await c.sales.call("GET", f"/leads/{lead_id}", user=plan.creator)
        lead = response.json()
        if lead["status"] == "converted":
            return False
        answer = await c.sales.call(
            "POST",
            f"/leads/{lead_id}/convert",
            user=_actor(lead.get("owner_id")),
            json={"create_deal": True, "deal": plan.deal},
            version=version_of(response),
            ok=(200, 201, 412),
        )
        if answer.status_code != 412:
            return True
    raise SeedError(answer)


async def ensure_deal(c: Clients, plan: DealPlan, ids: dict[str, str], count: KindCount) -> None:
    """Open the deal in its planned stage (the customer may reach sales a moment after
    contacts made it: the client retries), then win or lose it."""
    body = {**plan.body, "customer_id": ids[plan.customer_key]}
    response = await c.sales.call("POST", "/deals", user=plan.owner, json=body, headers=key_header(plan.key))
    deal = response.json()
    if response.status_code == 201:
        count.created += 1
    else:
        count.existing += 1
    if plan.final_stage != deal["stage"] and deal["status"] == "open":
        await c.sales.call(
            "POST",
            f"/deals/{deal['id']}/stage",
            user=plan.owner,
            json={"stage": plan.final_stage, "reason": plan.reason},
            version=version_of(response),
        )
