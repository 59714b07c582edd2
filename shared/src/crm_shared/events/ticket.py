"""Ticket events (topic ``crm.ticket``, published by service-desk, keyed by customer).

Every ticket event carries the full :class:`TicketSnapshot`. Internal comment text
never leaves the service desk: ``crm.ticket.commented`` has no excerpt for them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from crm_shared.events.base import EventData, register
from crm_shared.events.common import ChangeEvent, Email, Snapshot, UtcDatetime, Version

TicketChannel = Literal["email", "phone", "web", "chat"]
TicketPriority = Literal["low", "normal", "high", "urgent"]
TicketStatus = Literal["new", "open", "pending", "on_hold", "solved", "closed"]
SlaTarget = Literal["first_response", "resolution"]


class TicketSnapshot(Snapshot):
    """The full current state of one support ticket."""

    id: str = Field(description="Ticket id.")
    customer_id: str = Field(description="The customer who asked (the Kafka key).")
    subject: str = Field(description="Ticket subject line.")
    requester_email: Email | None = Field(default=None, description="E-mail of the person who raised it, lower case.")
    channel: TicketChannel = Field(description="Where the ticket came in.")
    priority: TicketPriority = Field(description="Priority (drives the SLA policy).")
    status: TicketStatus = Field(description="Ticket status.")
    assignee_id: str | None = Field(default=None, description="User id of the assigned agent.")
    group: str | None = Field(default=None, description="Support group the ticket is in.")
    tags: list[str] = Field(default_factory=list, description="Free tags.")
    first_response_at: UtcDatetime | None = Field(default=None, description="First public agent reply.")
    solved_at: UtcDatetime | None = Field(default=None, description="When last solved.")
    closed_at: UtcDatetime | None = Field(default=None, description="When closed.")
    first_response_due_at: UtcDatetime | None = Field(default=None, description="SLA deadline of the first response.")
    resolution_due_at: UtcDatetime | None = Field(default=None, description="SLA deadline of the resolution.")
    sla_breaches: list[SlaTarget] = Field(default_factory=list, description="SLA targets already breached.")
    created_at: UtcDatetime = Field(description="When the ticket was opened.")
    updated_at: UtcDatetime = Field(description="When the ticket last changed.")
    version: Version = Field(description="Aggregate version, +1 on every change (≥ 1).")


class _TicketEvent(EventData):
    topic: ClassVar[str] = "ticket"
    source_service: ClassVar[str] = "service-desk"

    snapshot: TicketSnapshot = Field(description="The ticket after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return self.snapshot.customer_id

    def aggregate_version(self) -> int:
        return self.snapshot.version


class _TicketTransition(_TicketEvent):
    from_status: TicketStatus = Field(description="Status before the change.")


@register
class TicketOpened(_TicketEvent):
    """A ticket was opened (e-mail, phone, web form, chat, or by an agent)."""

    event_type: ClassVar[str] = "crm.ticket.opened"


@register
class TicketUpdated(ChangeEvent, _TicketEvent):
    """Attributes of a ticket changed: subject, description, priority, tags, its
    customer (a customer merge re-points it) or its personal data (an erasure
    redacts it; ``previous`` then carries no values).

    Status moves, assignment, comments, SLA and CSAT have their own events and are
    not repeated here.
    """

    event_type: ClassVar[str] = "crm.ticket.updated"


@register
class TicketAssigned(_TicketEvent):
    """A ticket's assignee and/or group changed."""

    event_type: ClassVar[str] = "crm.ticket.assigned"

    previous_assignee_id: str | None = Field(default=None, description="Assignee before.")
    previous_group: str | None = Field(default=None, description="Group before.")


@register
class TicketStatusChanged(_TicketEvent):
    """A ticket's status changed (other than solving, closing and reopening, which
    have their own events)."""

    event_type: ClassVar[str] = "crm.ticket.status_changed"

    from_status: TicketStatus = Field(description="Status before the change.")
    to_status: TicketStatus = Field(description="Status after it (= snapshot.status).")


def _internal_has_no_excerpt(schema: dict[str, Any]) -> None:
    schema["if"] = {"properties": {"public": {"const": False}}}
    schema["then"] = {"properties": {"body_excerpt": {"type": "null"}}}


@register
class TicketCommented(_TicketEvent):
    """A comment was added: public (visible to the requester) or internal."""

    model_config = ConfigDict(json_schema_extra=_internal_has_no_excerpt)

    event_type: ClassVar[str] = "crm.ticket.commented"

    comment_id: str = Field(description="Comment id.")
    author_id: str = Field(description="User id of the agent, or customer id of the requester.")
    public: bool = Field(description="True if the requester can see the comment.")
    body_excerpt: str | None = Field(
        default=None,
        max_length=280,
        description="Start of a public comment's text; always null for internal comments.",
    )

    @model_validator(mode="after")
    def _internal_stays_internal(self) -> Self:
        if not self.public and self.body_excerpt is not None:
            raise ValueError("an internal comment's text never leaves the service desk")
        return self


@register
class TicketSlaWarning(_TicketEvent):
    """An SLA deadline is near. Informational: ``sequence`` repeats the version."""

    event_type: ClassVar[str] = "crm.ticket.sla_warning"

    target: SlaTarget = Field(description="Which SLA target.")
    due_at: UtcDatetime = Field(description="The deadline.")
    elapsed_share: float = Field(ge=0, le=1, description="Share of the allowed time already used (e.g. 0.8).")


@register
class TicketSlaBreached(_TicketEvent):
    """An SLA deadline passed without the target being met."""

    event_type: ClassVar[str] = "crm.ticket.sla_breached"

    target: SlaTarget = Field(description="Which SLA target.")
    due_at: UtcDatetime = Field(description="The deadline that was missed.")
    breached_at: UtcDatetime = Field(description="When the breach was detected.")


@register
class TicketResolved(_TicketTransition):
    """A ticket was solved (status `solved`); the requester may still reopen it."""

    event_type: ClassVar[str] = "crm.ticket.resolved"

    csat_url: str | None = Field(
        default=None,
        description="Where the requester rates the support (satisfaction survey); null if"
        " no survey is offered for this ticket.",
    )


@register
class TicketClosed(_TicketTransition):
    """A ticket was closed for good (status `closed`)."""

    event_type: ClassVar[str] = "crm.ticket.closed"


@register
class TicketReopened(_TicketTransition):
    """A solved ticket was reopened (status back to `open`)."""

    event_type: ClassVar[str] = "crm.ticket.reopened"


@register
class TicketCsatRecorded(_TicketEvent):
    """The requester rated the support they got."""

    event_type: ClassVar[str] = "crm.ticket.csat_recorded"

    rating: int = Field(ge=1, le=5, description="Satisfaction, 1 (bad) to 5 (great).")
    comment: str | None = Field(default=None, description="The requester's own words, if any.")


@register
class TicketMailed(_TicketEvent):
    """A message for the requester's mailbox: an agent's public reply, or the notice that the
    ticket was solved (with the survey link). Notifications sends it through its e-mail
    channel with these threading headers, so the requester's mail client groups the thread
    and the answer comes back to the same ticket."""

    event_type: ClassVar[str] = "crm.ticket.mailed"

    kind: Literal["reply", "solved"] = Field(description="An agent's reply, or the solved notice.")
    comment_id: str | None = Field(default=None, description="The public comment mailed (for `reply`).")
    to: Email = Field(description="The requester's address.")
    sender: str = Field(max_length=320, description="From and Reply-To: the support address answers come back to.")
    subject: str = Field(max_length=998, description="Subject line, with the ticket token (`[#…]`).")
    body: str = Field(max_length=100_000, description="The full text of the reply (plain text).")
    message_id: str = Field(max_length=998, description="This message's `Message-ID` (`<…@…>`).")
    in_reply_to: str | None = Field(default=None, max_length=998, description="`In-Reply-To`: the last message.")
    references: list[str] = Field(default_factory=list, description="`References`: the thread, oldest first.")
    csat_url: str | None = Field(default=None, description="The survey link, when the ticket is solved.")
