"""Ticket use cases: open, update, move, comment, assign. Permission checks first,
then the pure rules, then one commit with the events."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import Forbidden, ValidationFailed, VersionConflict
from crm_shared.events.base import EventData
from crm_shared.events.ticket import (
    TicketAssigned,
    TicketClosed,
    TicketCommented,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    TicketStatus,
    TicketStatusChanged,
)

from crm_service_desk.domain import permissions
from crm_service_desk.domain.errors import CustomerErased
from crm_service_desk.domain.sla import StatusChange
from crm_service_desk.domain.status import TransitionKind
from crm_service_desk.domain.ticket import AttachmentRef, Comment, Ticket
from crm_service_desk.service.assignment import Assigner
from crm_service_desk.service.csat import CsatService
from crm_service_desk.service.mail_out import ReplyMail, thread_after
from crm_service_desk.service.models import AssignmentRequest, NewComment, NewTicket, TicketPatch
from crm_service_desk.service.ports import CustomerDirectory
from crm_service_desk.service.sla_policies import SlaResolver
from crm_service_desk.service.writer import TicketWriter, updated_event

_IDEMPOTENCY_NS = uuid.UUID("0b7c1f8e-3a52-4a0e-9d7c-5f2b8e9a4c11")


def transition_event(
    kind: TransitionKind, ticket: Ticket, from_status: TicketStatus, *, csat_url: str | None = None
) -> EventData:
    """The event of a status change; ``csat_url`` goes on ``resolved`` (the survey link
    notifications mail to the requester)."""
    snap = ticket.snapshot()
    if kind == "resolved":
        return TicketResolved(snapshot=snap, from_status=from_status, csat_url=csat_url)
    if kind == "closed":
        return TicketClosed(snapshot=snap, from_status=from_status)
    if kind == "reopened":
        return TicketReopened(snapshot=snap, from_status=from_status)
    return TicketStatusChanged(snapshot=snap, from_status=from_status, to_status=ticket.status)


class TicketService:
    def __init__(
        self,
        *,
        writer: TicketWriter,
        customers: CustomerDirectory,
        sla: SlaResolver,
        assigner: Assigner,
        surveys: CsatService,
        clock: Clock,
        mail: ReplyMail | None = None,
    ) -> None:
        self.mail = mail
        self.surveys = surveys
        self.writer = writer
        self.repo = writer.repo
        self.customers = customers
        self.sla = sla
        self.assigner = assigner
        self.clock = clock

    async def open(
        self,
        *,
        principal: Principal,
        data: NewTicket,
        idempotency_key: str | None = None,
        attachments: list[AttachmentRef] | None = None,
        mail_ref: str | None = None,
    ) -> tuple[Ticket, bool]:
        """Open a ticket; returns it and False when the idempotency key was seen before.
        ``attachments`` and ``mail_ref`` (its Message-ID): the e-mail it came from."""
        if not permissions.can_create(principal):
            raise Forbidden("only service agents, admins and integrations open tickets")
        customer_id, tier = await self._customer(data.customer_id)
        ticket_id = (
            str(uuid.uuid5(_IDEMPOTENCY_NS, f"{principal.sub}:{idempotency_key}"))
            if idempotency_key
            else str(uuid.uuid4())
        )
        now = self.clock()
        assignee = data.assignee_id
        if data.group:
            assignee = await self.assigner.check_or_pick(data.group, assignee, loc="assignee_id")
        ticket = Ticket(
            id=ticket_id,
            customer_id=customer_id,
            subject=data.subject,
            description=data.description,
            requester_email=data.requester_email,
            requester_name=data.requester_name,
            channel=data.channel,
            priority=data.priority,
            group=data.group,
            assignee_id=assignee,
            tags=list(dict.fromkeys(data.tags)),
            status_log=[StatusChange(status="new", at=now)],
            created_at=now,
            updated_at=now,
            sla=await self.sla.resolve(priority=data.priority, tier=tier),
            attachments=list(attachments or []),
            mail_refs=[mail_ref] if mail_ref else [],
        ).with_sla(now)
        empty = ticket.model_copy(update={"version": 0})
        try:
            saved = await self.writer.save(
                empty,
                ticket,
                lambda t: [TicketOpened(snapshot=t.snapshot())],
                actor=principal.actor(),
                changes={"op": "open"},
            )
        except VersionConflict:
            existing = await self.repo.get(ticket_id) if idempotency_key else None
            if existing is None:
                raise
            return existing, False
        return saved, True

    async def update(
        self, *, principal: Principal, ticket_id: str, expected_version: int | None, patch: TicketPatch
    ) -> Ticket:
        ticket = await self._for_work(principal, ticket_id, expected_version)
        ticket.ensure_open_for_work()
        ticket.ensure_not_erased()
        changes: dict[str, Any] = {k: getattr(patch, k) for k in patch.model_fields_set}
        if "tags" in changes:
            changes["tags"] = list(dict.fromkeys(changes["tags"]))
        changed = {k: v for k, v in changes.items() if getattr(ticket, k) != v}
        if not changed:
            return ticket
        now = self.clock()
        after = ticket.model_copy(update={**changed, "updated_at": now})
        if "priority" in changed:  # the SLA follows the priority
            _, tier = await self._customer(ticket.customer_id, allow_erased=True)
            after = after.model_copy(update={"sla": await self.sla.resolve(priority=after.priority, tier=tier)})
        after = after.with_sla(now)
        return await self.writer.save(
            ticket,
            after,
            updated_event(ticket),
            actor=principal.actor(),
            changes={"op": "update", "changed": sorted(changed)},
        )

    async def move(
        self, *, principal: Principal, ticket_id: str, expected_version: int | None, status: TicketStatus
    ) -> Ticket:
        ticket = await self._for_work(principal, ticket_id, expected_version)
        if status == ticket.status:
            return ticket
        after, kind = ticket.move_to(status, self.clock())
        mailed = None
        if kind == "resolved" and self.mail and self.mail.wanted(after):  # the solved notice, survey link
            mailed = self.mail.message_id(after, f"solved{len(after.status_log)}")
            after = after.model_copy(update={"mail_refs": thread_after(after.mail_refs, mailed)})

        def events(t: Ticket) -> list[EventData]:
            out = [transition_event(kind, t, ticket.status, csat_url=self.surveys.url(t))]
            if mailed and self.mail:
                out.append(self.mail.solved(t, message_id=mailed, csat_url=self.surveys.url(t)))
            return out

        return await self.writer.save(
            ticket,
            after,
            events,
            actor=principal.actor(),
            changes={"op": "status", "to": status},
        )

    async def comment(
        self,
        *,
        principal: Principal,
        ticket_id: str,
        expected_version: int | None,
        data: NewComment,
        attachments: list[AttachmentRef] | None = None,
        mail_ref: str | None = None,
    ) -> tuple[Ticket, Comment]:
        """``attachments`` and ``mail_ref`` (its Message-ID): the requester's e-mail it came from.
        A public agent comment is also mailed to the requester (``crm.ticket.mailed``)."""
        ticket = await self.repo.require(ticket_id)
        if data.author == "requester":
            if not permissions.can_reply_as_requester(principal):
                raise Forbidden("only an e-mail or chat gateway posts replies on behalf of the requester")
        elif not permissions.can_work(principal, ticket):
            raise Forbidden("you may not comment on this ticket")
        if expected_version is not None and expected_version != ticket.version:
            raise VersionConflict("the ticket changed since you loaded it", current_version=ticket.version)
        comment = Comment(
            id=str(uuid.uuid4()),
            author_kind=data.author,
            public=data.public,
            body=data.body,
            author_id=ticket.customer_id if data.author == "requester" else principal.sub,
            created_at=self.clock(),
            attachments=list(attachments or []),
        )
        after, kind = ticket.add_comment(comment)
        mailed = None
        if data.author == "agent" and comment.public and self.mail and self.mail.wanted(after):
            mailed = self.mail.message_id(after, comment.id)
        if mailed or mail_ref:
            after = after.model_copy(update={"mail_refs": thread_after(after.mail_refs, mailed or mail_ref or "")})

        def events(t: Ticket) -> list[EventData]:
            out: list[EventData] = [
                TicketCommented(
                    snapshot=t.snapshot(),
                    comment_id=comment.id,
                    author_id=comment.author_id,
                    public=comment.public,
                    body_excerpt=comment.body[:280] if comment.public else None,
                )
            ]
            if kind is not None:
                out.append(transition_event(kind, t, ticket.status, csat_url=self.surveys.url(t)))
            if mailed and self.mail:
                out.append(self.mail.reply(t, comment, message_id=mailed, csat_url=self.surveys.url(t)))
            return out

        saved = await self.writer.save(
            ticket,
            after,
            events,
            actor=principal.actor(),
            changes={"op": "comment", "comment": comment.model_dump(mode="python")},
        )
        return saved, comment

    async def assign(
        self, *, principal: Principal, ticket_id: str, expected_version: int | None, data: AssignmentRequest
    ) -> Ticket:
        ticket = await self._for_work(principal, ticket_id, expected_version)
        ticket.ensure_open_for_work()
        group = data.group if "group" in data.model_fields_set else ticket.group
        assignee: str | None
        if data.auto:
            if group is None:
                raise ValidationFailed.field(["group"], "automatic assignment needs a group")
            assignee = await self.assigner.pick(group)
        else:
            assignee = data.assignee_id if "assignee_id" in data.model_fields_set else ticket.assignee_id
            if group is not None and assignee is not None:
                await self.assigner.check_member(group, assignee, loc="assignee_id")
        if (group, assignee) == (ticket.group, ticket.assignee_id):
            return ticket
        after = ticket.model_copy(
            update={
                "group": group,
                "assignee_id": assignee,
                "previous_assignee_deactivated": None,  # someone took it: the queue's mark goes
                "updated_at": self.clock(),
            }
        )
        return await self.writer.save(
            ticket,
            after,
            lambda t: [
                TicketAssigned(
                    snapshot=t.snapshot(), previous_assignee_id=ticket.assignee_id, previous_group=ticket.group
                )
            ],
            actor=principal.actor(),
            changes={"op": "assign", "group": group, "assignee_id": assignee},
        )

    # -- helpers -------------------------------------------------------------------

    async def _for_work(self, principal: Principal, ticket_id: str, expected_version: int | None) -> Ticket:
        ticket = await self.repo.require(ticket_id)
        if not permissions.can_work(principal, ticket):
            raise Forbidden("you may not change this ticket (it is not in your groups)")
        if expected_version is not None and expected_version != ticket.version:
            raise VersionConflict(
                f"the ticket is at version {ticket.version}, not {expected_version}", current_version=ticket.version
            )
        return ticket

    async def _customer(self, customer_id: str, *, allow_erased: bool = False) -> tuple[str, str | None]:
        """The customer id to use (a merged-away id becomes its survivor) and its tier."""
        for _ in range(10):
            doc = await self.customers.get(customer_id)
            if doc is None:
                return customer_id, None  # not replicated yet: contacts is ahead of us
            if doc.get("merged_into"):
                customer_id = str(doc["merged_into"])
                continue
            if doc.get("erased") and not allow_erased:
                raise CustomerErased(f"customer {customer_id} was erased; tickets cannot be opened for it")
            return customer_id, doc.get("tier")
        return customer_id, None
