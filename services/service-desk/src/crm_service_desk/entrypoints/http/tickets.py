"""``/tickets``: open, read, list, update, move, assign, comment."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.events.ticket import TicketPriority, TicketStatus
from crm_shared.http.deps import Caller, IdempotencyKey, IfMatch, IfMatchOptional, Limit, Offset
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Query, Response, status

from crm_service_desk.domain.ticket import Ticket
from crm_service_desk.entrypoints.http.deps import ContainerDep
from crm_service_desk.service.models import AssignmentRequest, NewComment, NewTicket, StatusRequest, TicketPatch
from crm_service_desk.service.queries import present, present_comment

router = APIRouter(prefix="/tickets", tags=["tickets"])


def _written(response: Response, ticket: Ticket) -> dict[str, Any]:
    set_etag(response, ticket.version)
    return present(ticket, internal=True)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a ticket",
    responses={200: {"description": "The ticket this Idempotency-Key already opened"}},
)
async def open_ticket(
    body: NewTicket, principal: Caller, c: ContainerDep, response: Response, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    ticket, created = await c.tickets.open(principal=principal, data=body, idempotency_key=idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/tickets/{ticket.id}"
    view = await c.queries.view(principal=principal, ticket=ticket)  # an agent may open one for another group
    set_etag(response, ticket.version)
    return view


@router.get("", summary="List tickets you may see, newest first")
async def list_tickets(
    principal: Caller,
    c: ContainerDep,
    status_: Annotated[TicketStatus | None, Query(alias="status")] = None,
    priority: TicketPriority | None = None,
    group: str | None = None,
    assignee_id: str | None = None,
    customer_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    items = await c.queries.search(
        principal=principal,
        status=status_,
        priority=priority,
        group=group,
        assignee_id=assignee_id,
        customer_id=customer_id,
        limit=limit,
        offset=offset,
    )
    return {"items": items, "limit": limit, "offset": offset}


@router.get("/{ticket_id}", summary="A ticket with its customer and the customer's open deals")
async def get_ticket(ticket_id: str, principal: Caller, c: ContainerDep, response: Response) -> dict[str, Any]:
    view = await c.queries.get(principal=principal, ticket_id=ticket_id)
    set_etag(response, view["version"])
    return view


@router.patch("/{ticket_id}", summary="Change subject, description, requester, priority or tags (If-Match)")
async def update_ticket(
    ticket_id: str, body: TicketPatch, principal: Caller, c: ContainerDep, response: Response, version: IfMatch
) -> dict[str, Any]:
    ticket = await c.tickets.update(principal=principal, ticket_id=ticket_id, expected_version=version, patch=body)
    return _written(response, ticket)


@router.post("/{ticket_id}/status", summary="Move the ticket to another status (If-Match)")
async def move_ticket(
    ticket_id: str, body: StatusRequest, principal: Caller, c: ContainerDep, response: Response, version: IfMatch
) -> dict[str, Any]:
    ticket = await c.tickets.move(
        principal=principal, ticket_id=ticket_id, expected_version=version, status=body.status
    )
    return _written(response, ticket)


@router.post("/{ticket_id}/assignment", summary="Assign to a group and/or agent, or automatically (If-Match)")
async def assign_ticket(
    ticket_id: str, body: AssignmentRequest, principal: Caller, c: ContainerDep, response: Response, version: IfMatch
) -> dict[str, Any]:
    ticket = await c.tickets.assign(principal=principal, ticket_id=ticket_id, expected_version=version, data=body)
    return _written(response, ticket)


@router.post(
    "/{ticket_id}/comments",
    status_code=status.HTTP_201_CREATED,
    summary="Add a public or internal comment (If-Match optional)",
)
async def add_comment(
    ticket_id: str, body: NewComment, principal: Caller, c: ContainerDep, response: Response, version: IfMatchOptional
) -> dict[str, Any]:
    ticket, comment = await c.tickets.comment(
        principal=principal, ticket_id=ticket_id, expected_version=version, data=body
    )
    set_etag(response, ticket.version)
    return {"comment": present_comment(comment), "ticket": present(ticket, internal=False)}


@router.get("/{ticket_id}/comments", summary="Comments you may see, oldest first")
async def list_comments(ticket_id: str, principal: Caller, c: ContainerDep) -> dict[str, Any]:
    comments = await c.queries.comments(principal=principal, ticket_id=ticket_id)
    return {"items": [present_comment(cm) for cm in comments]}
