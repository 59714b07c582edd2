"""The ticket aggregate: its state and the pure rules that change it.

Every rule returns a new :class:`Ticket` (the model is immutable); the service
layer turns the change into events and commits it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from crm_shared.events.ticket import (
    SlaTarget,
    TicketChannel,
    TicketPriority,
    TicketSnapshot,
    TicketStatus,
)
from pydantic import BaseModel, ConfigDict, Field

from crm_service_desk.domain import sla as sla_rules
from crm_service_desk.domain.errors import TicketClosed, TicketErased
from crm_service_desk.domain.status import TransitionKind, check_transition

ERASED = "[erased]"
AuthorKind = Literal["agent", "requester"]


class SlaRecord(BaseModel):
    """A warning or breach the SLA monitor published (at most one per target and kind)."""

    model_config = ConfigDict(frozen=True)

    target: SlaTarget
    kind: sla_rules.SlaKind
    at: datetime
    """When it fell due."""
    detected_at: datetime
    event_id: str


class Csat(BaseModel):
    model_config = ConfigDict(frozen=True)

    rating: int = Field(ge=1, le=5)
    comment: str | None = None
    at: datetime


class AttachmentRef(BaseModel):
    """A file kept in the blob store (``key``) that came with an e-mail."""

    model_config = ConfigDict(frozen=True)

    key: str
    filename: str
    content_type: str
    size: int


class Comment(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    author_id: str
    author_kind: AuthorKind
    public: bool
    body: str
    created_at: datetime
    attachments: list[AttachmentRef] = Field(default_factory=list)


class Ticket(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    customer_id: str
    subject: str
    description: str = ""
    requester_email: str | None = None
    requester_name: str | None = None
    channel: TicketChannel
    priority: TicketPriority
    status: TicketStatus = "new"
    assignee_id: str | None = None
    group: str | None = None
    tags: list[str] = Field(default_factory=list)
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_breaches: list[SlaTarget] = Field(default_factory=list)
    sla: sla_rules.TicketSla | None = None
    sla_records: list[SlaRecord] = Field(default_factory=list)
    sla_next_check_at: datetime | None = None
    status_log: list[sla_rules.StatusChange] = Field(default_factory=list)
    comment_count: int = 0
    csat: Csat | None = None
    attachments: list[AttachmentRef] = Field(default_factory=list)
    """Files of the message that opened the ticket (e-mail)."""
    mail_refs: list[str] = Field(default_factory=list)
    """The e-mail thread's Message-IDs, oldest first (the last few): a mailed reply's
    In-Reply-To and References."""
    erased: bool = False
    previous_assignee_deactivated: str | None = None
    """The agent this ticket was taken from when the directory deactivated them (the
    queue's mark, until the ticket is assigned again by hand)."""
    created_at: datetime
    updated_at: datetime
    version: int = 0

    # -- persistence and contract -------------------------------------------------

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Ticket:
        return cls.model_validate({**doc, "id": doc["_id"]})

    def to_doc(self) -> dict[str, Any]:
        doc = self.model_dump(mode="python", exclude={"id"})
        doc["_id"] = self.id
        return doc

    def snapshot(self) -> TicketSnapshot:
        return TicketSnapshot.model_validate(self.model_dump(mode="python"))

    # -- queries ------------------------------------------------------------------

    @property
    def recorded(self) -> set[tuple[SlaTarget, sla_rules.SlaKind]]:
        return {(r.target, r.kind) for r in self.sla_records}

    def clocks(self, now: datetime) -> dict[SlaTarget, sla_rules.TargetClock]:
        if self.sla is None:
            return {}
        return sla_rules.clocks(self.sla, self.status_log, now=now, first_response_at=self.first_response_at)

    def sla_due(self, now: datetime) -> list[tuple[SlaTarget, sla_rules.SlaKind, datetime]]:
        if self.erased:  # nobody to answer any more: no warnings, no breaches
            return []
        return sla_rules.due_items(self.clocks(now), now=now, recorded=self.recorded)

    def ensure_open_for_work(self) -> None:
        if self.status == "closed":
            raise TicketClosed("the ticket is closed; open a follow-up ticket instead")

    def ensure_not_erased(self) -> None:
        """An erased customer's ticket takes no new content (it would be personal data again)."""
        if self.erased:
            raise TicketErased("the customer was erased: this ticket takes no new comments or edits")

    # -- changes ------------------------------------------------------------------

    def with_sla(self, now: datetime) -> Ticket:
        """Recompute deadlines and the next SLA check after any change."""
        states = self.clocks(now)
        if self.erased and states:  # deadlines kept for the record; nothing is checked any more
            return self.model_copy(update={"sla_next_check_at": None})
        if not states:
            return self.model_copy(
                update={"first_response_due_at": None, "resolution_due_at": None, "sla_next_check_at": None}
            )
        fr, res = states["first_response"], states["resolution"]
        return self.model_copy(
            update={
                # Known deadlines are recomputed; a paused or met target keeps its last one.
                "first_response_due_at": fr.due_at or self.first_response_due_at,
                "resolution_due_at": res.due_at or self.resolution_due_at,
                "sla_next_check_at": sla_rules.next_check(states, self.recorded),
            }
        )

    def move_to(self, target: TicketStatus, now: datetime) -> tuple[Ticket, TransitionKind]:
        kind = check_transition(self.status, target)
        update: dict[str, Any] = {
            "status": target,
            "updated_at": now,
            "status_log": [*self.status_log, sla_rules.StatusChange(status=target, at=now)],
        }
        if target == "solved":
            update["solved_at"] = now
        if target == "closed":
            update["closed_at"] = now
        return self.model_copy(update=update).with_sla(now), kind

    def add_comment(self, comment: Comment) -> tuple[Ticket, TransitionKind | None]:
        """Count it; the first public agent reply meets the first-response target; a
        requester's reply brings a pending or solved ticket back to open."""
        self.ensure_open_for_work()
        self.ensure_not_erased()
        now = comment.created_at
        ticket = self.model_copy(update={"comment_count": self.comment_count + 1, "updated_at": now})
        if comment.public and comment.author_kind == "agent" and ticket.first_response_at is None:
            ticket = ticket.model_copy(update={"first_response_at": now})
        if comment.author_kind == "requester" and ticket.status in ("pending", "solved"):
            return ticket.move_to("open", now)
        return ticket.with_sla(now), None

    def record_sla(
        self,
        items: list[tuple[SlaTarget, sla_rules.SlaKind, datetime]],
        *,
        now: datetime,
        event_ids: dict[tuple[SlaTarget, sla_rules.SlaKind], str],
    ) -> Ticket:
        records = [
            *self.sla_records,
            *(SlaRecord(target=t, kind=k, at=at, detected_at=now, event_id=event_ids[(t, k)]) for t, k, at in items),
        ]
        breaches = [
            t
            for t in sla_rules.TARGETS
            if t in self.sla_breaches or any(r.target == t and r.kind == "breach" for r in records)
        ]
        return self.model_copy(update={"sla_records": records, "sla_breaches": breaches}).with_sla(now)

    def redacted(self, now: datetime) -> Ticket:
        """What remains after the customer's erasure: no personal data, timings kept."""
        csat = self.csat.model_copy(update={"comment": None}) if self.csat else None
        return self.model_copy(
            update={
                "subject": ERASED,
                "description": "",
                "requester_email": None,
                "requester_name": None,
                "csat": csat,
                "attachments": [],
                "mail_refs": [],
                "erased": True,
                "updated_at": now,
            }
        ).with_sla(now)
