"""Reading tickets: one ticket with who the customer is right now (from the local
replica: no call to contacts or sales), lists, comments. Permission-filtered."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Forbidden
from crm_shared.events.ticket import TicketPriority, TicketStatus

from crm_service_desk.domain import permissions
from crm_service_desk.domain.attachments import attachment_view
from crm_service_desk.domain.ticket import Comment, Ticket
from crm_service_desk.service.csat import CsatService
from crm_service_desk.service.ports import CUSTOMER_FIELDS, DEAL_FIELDS, CustomerDirectory, DealDirectory, TicketStore

PUBLIC_FIELDS = (
    "id",
    "customer_id",
    "subject",
    "description",
    "requester_email",
    "requester_name",
    "channel",
    "priority",
    "status",
    "assignee_id",
    "group",
    "tags",
    "first_response_at",
    "solved_at",
    "closed_at",
    "first_response_due_at",
    "resolution_due_at",
    "sla_breaches",
    "comment_count",
    "erased",
    "created_at",
    "updated_at",
    "version",
)


class TicketQueries:
    def __init__(
        self, *, tickets: TicketStore, customers: CustomerDirectory, deals: DealDirectory, csat: CsatService
    ) -> None:
        self.tickets = tickets
        self.customers = customers
        self.deals = deals
        self.csat = csat

    async def get(self, *, principal: Principal, ticket_id: str) -> dict[str, Any]:
        ticket = await self.tickets.require(ticket_id)
        customer = await self.customers.get(ticket.customer_id)
        owner = customer.get("owner_id") if customer else None
        if not permissions.can_read(principal, ticket, customer_owner=owner):
            raise Forbidden("this ticket is not in your groups or of your customers")
        return await self.view(principal=principal, ticket=ticket, customer=customer)

    async def view(
        self, *, principal: Principal, ticket: Ticket, customer: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The full view of a ticket the caller may see (or has just written)."""
        customer = customer or await self.customers.get(ticket.customer_id)
        deals = await self.deals.open_for(ticket.customer_id)
        view = present(ticket, internal=permissions.can_see_internal(principal))
        view["customer"] = _customer_view(ticket.customer_id, customer)
        view["open_deals"] = [
            {"id": d["_id"], **{k: d.get(k) for k in DEAL_FIELDS}, "version": d.get("version")} for d in deals
        ]
        if permissions.can_see_internal(principal):
            view["csat_link"] = self.csat.link(ticket)
        return view

    async def search(
        self,
        *,
        principal: Principal,
        status: TicketStatus | None,
        priority: TicketPriority | None,
        group: str | None,
        assignee_id: str | None,
        customer_id: str | None,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        scope = permissions.read_scope(principal)
        if scope.nothing:
            raise Forbidden("your roles do not give access to tickets")
        owned = await self.customers.owned_by(principal.sub) if scope.customer_owner else []
        filters = {
            k: v
            for k, v in (
                ("status", status),
                ("priority", priority),
                ("group", group),
                ("assignee_id", assignee_id),
                ("customer_id", customer_id),
            )
            if v is not None
        }
        found = await self.tickets.find(scope=scope, owned_customers=owned, filters=filters, limit=limit, offset=offset)
        internal = permissions.can_see_internal(principal)
        customers = await self.customers.many([t.customer_id for t in found])
        out = []
        for t in found:
            view = present(t, internal=internal)
            view["customer"] = _customer_view(t.customer_id, customers.get(t.customer_id))
            out.append(view)
        return out

    async def comments(self, *, principal: Principal, ticket_id: str) -> list[Comment]:
        ticket = await self.tickets.require(ticket_id)
        owners = await self.customers.owners([ticket.customer_id])
        if not permissions.can_read(principal, ticket, customer_owner=owners.get(ticket.customer_id)):
            raise Forbidden("this ticket is not in your groups or of your customers")
        return await self.tickets.comments(ticket_id, include_internal=permissions.can_see_internal(principal))


def present(ticket: Ticket, *, internal: bool) -> dict[str, Any]:
    data = ticket.model_dump(mode="json")
    view = {k: data[k] for k in PUBLIC_FIELDS}
    view["csat"] = {"rating": ticket.csat.rating, "at": data["csat"]["at"]} if ticket.csat else None
    view["attachments"] = [attachment_view(a) for a in ticket.attachments]
    if internal:
        view["csat"] = data["csat"]
        view["sla"] = _sla_view(ticket, data)
    return view


def present_comment(comment: Comment) -> dict[str, Any]:
    """A comment as clients see it: its files by id (``GET .../attachments/{id}``), not by blob key."""
    data = comment.model_dump(mode="json")
    data["attachments"] = [attachment_view(a) for a in comment.attachments]
    return data


def _sla_view(ticket: Ticket, data: dict[str, Any]) -> dict[str, Any] | None:
    if ticket.sla is None:
        return None
    return {
        "policy_id": ticket.sla.policy_id,
        "policy_name": ticket.sla.policy_name,
        "first_response_s": ticket.sla.first_response_s,
        "resolution_s": ticket.sla.resolution_s,
        "warning_share": ticket.sla.warning_share,
        "records": data["sla_records"],
    }


def _customer_view(customer_id: str, doc: dict[str, Any] | None) -> dict[str, Any]:
    if doc is None:
        return {"id": customer_id, "state": "unknown"}
    if doc.get("erased"):
        return {"id": customer_id, "state": "erased"}
    if doc.get("merged_into"):
        return {"id": customer_id, "state": "merged", "merged_into": doc["merged_into"]}
    return {
        "id": customer_id,
        "state": "active",
        **{k: doc.get(k) for k in CUSTOMER_FIELDS},
        "version": doc.get("version"),
    }
