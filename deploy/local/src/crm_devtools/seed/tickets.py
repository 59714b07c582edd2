"""Tickets: opened by an agent of their group, then the planned comments (public replies,
internal notes, requester replies relayed by the mail gateway), status moves and CSAT.
A rerun posts only the comments and moves still missing."""

from __future__ import annotations

from typing import Any

from crm_devtools.seed.client import Clients, SeedError, version_of
from crm_devtools.seed.model import TicketPlan
from crm_devtools.seed.plan_work import MAIL_GATEWAY
from crm_devtools.seed.records import CustomerIds, key_header
from crm_devtools.seed.report import KindCount


async def ensure_ticket(c: Clients, plan: TicketPlan, ids: CustomerIds, count: KindCount) -> None:
    sd, agent = c.service_desk, plan.creator
    body = {**plan.body, "customer_id": await ids.wait(plan.customer_key)}
    response = await sd.call("POST", "/tickets", user=agent, json=body, headers=key_header(plan.key))
    ticket: dict[str, Any] = response.json()
    created = response.status_code == 201
    if created:
        count.created += 1
    else:
        count.existing += 1
    path = f"/tickets/{ticket['id']}"
    if ticket["status"] == "closed":
        return
    posted: set[str] = set()
    if not created:
        listed = await sd.get_json(f"{path}/comments", user=agent)
        posted = {str(cm["body"]) for cm in listed.get("items", [])}
    wrote = False
    for comment in plan.comments:
        if comment.body in posted:
            continue
        user = MAIL_GATEWAY if comment.author == "requester" else agent
        await sd.call(
            "POST",
            f"{path}/comments",
            user=user,
            json={"body": comment.body, "public": comment.public, "author": comment.author},
        )
        wrote = True
    if wrote or not created:
        response = await sd.call("GET", path, user=agent)
        ticket = response.json()
    version = version_of(response)
    status = str(ticket["status"])
    todo = list(plan.statuses[plan.statuses.index(status) + 1 :] if status in plan.statuses else plan.statuses)
    if status == "solved" and "closed" in todo:
        await _rate(c, plan, path)
    for target in todo:
        version = await _move(c, agent, path, target, version)
        if target == "solved":
            await _rate(c, plan, path)
    if plan.csat and plan.final_status == "solved" and not todo and status == "solved":
        await _rate(c, plan, path)


async def _move(c: Clients, agent: str, path: str, target: str, version: int) -> int:
    """Move to ``target``; on 412 (the SLA monitor or a survey answer wrote meanwhile) reload and retry."""
    for _ in range(10):
        response = await c.service_desk.call(
            "POST", f"{path}/status", user=agent, json={"status": target}, version=version, ok=(200, 412)
        )
        if response.status_code == 200:
            return version_of(response)
        fresh = await c.service_desk.call("GET", path, user=agent)
        if fresh.json()["status"] == target:
            return version_of(fresh)
        version = version_of(fresh)
    raise SeedError(response)


async def _rate(c: Clients, plan: TicketPlan, path: str) -> None:
    """Answer the survey the way a customer does: through the link of the solved ticket."""
    if plan.csat is None:
        return
    view = await c.service_desk.get_json(path, user=plan.creator)
    link = view.get("csat_link")
    if not link or view.get("csat"):
        return
    rating, comment = plan.csat
    await c.service_desk.call(
        "POST",
        f"/csat/{link['token']}",
        user=plan.creator,
        json={"rating": rating, "comment": comment},
        ok=(200, 201, 409),
    )
