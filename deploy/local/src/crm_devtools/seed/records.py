"""Customers, leads and deals: each created once (idempotency key, or found by e-mail),
then moved to its planned state from wherever a previous run left it."""

from __future__ import annotations

import asyncio
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


class CustomerIds:
    """Customer ids by plan key, as they become known: deals and tickets wait for their
    customer's, so they start while contacts is still creating the rest."""

    def __init__(self, by_email: dict[str, str]) -> None:
        self._by_email = dict(by_email)
        self._ids: dict[str, str] = {}
        self._settled: dict[str, asyncio.Event] = {}

    def by_email(self, email: str) -> str | None:
        return self._by_email.get(email)

    def settle(self, key: str, customer_id: str | None, email: str | None = None) -> None:
        """``key`` is done: created or found (an id), or failed (None)."""
        if customer_id is not None:
            self._ids[key] = customer_id
            if email:
                self._by_email[email] = customer_id
        self._event(key).set()

    async def wait(self, key: str) -> str:
        await self._event(key).wait()
        if key not in self._ids:
            raise KeyError(f"customer {key} was not created")
        return self._ids[key]

    def _event(self, key: str) -> asyncio.Event:
        return self._settled.setdefault(key, asyncio.Event())


async def existing_customers(c: Clients) -> CustomerIds:
    """Every customer in contacts, by primary e-mail (a seeded one's lookup key)."""
    found: dict[str, str] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200, "order": "asc", "include_archived": "true"}
        if cursor:
            params["cursor"] = cursor
        page = await c.contacts.get_json("/customers", user=ADMIN, params=params)
        for item in page.get("items", []):
            emails = item.get("emails") or []
            if emails:
                found.setdefault(str(emails[0]), str(item["id"]))
        cursor = page.get("next_cursor")
        if not cursor:
            return CustomerIds(found)


async def ensure_customer(c: Clients, plan: CustomerPlan, ids: CustomerIds, count: KindCount) -> None:
    """Create the customer unless contacts has it (a person after its company)."""
    customer_id = ids.by_email(plan.email)
    try:
        if customer_id is not None:
            count.existing += 1
            return
        body = dict(plan.body)
        if plan.company_key:
            body["company_id"] = await ids.wait(plan.company_key)
        response = await c.contacts.call(
            "POST",
            "/customers",
            user=plan.creator,
            json=body,
            headers={**key_header(plan.key), "X-Change-Origin": "crm-seed"},
        )
        customer_id = str(response.json()["id"])
        if response.status_code == 201:
            count.created += 1
        else:
            count.existing += 1
    finally:
        ids.settle(plan.key, customer_id, plan.email)


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


async def ensure_deal(c: Clients, plan: DealPlan, ids: CustomerIds, count: KindCount) -> None:
    """Open the deal in its planned stage (the customer may reach sales a moment after
    contacts made it: the client retries), then win or lose it."""
    body = {**plan.body, "customer_id": await ids.wait(plan.customer_key)}
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
