"""Inputs of the use cases (also the API's request bodies: one definition, one validation)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from crm_shared.events.common import Email
from crm_shared.events.ticket import TicketChannel, TicketPriority, TicketStatus
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]
Text = Annotated[str, StringConstraints(max_length=65_536)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=65_536)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50, pattern=r"^[\w.:-]+$")
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewTicket(_Input):
    customer_id: Ident
    subject: Subject
    description: Text = ""
    requester_email: Email | None = None
    requester_name: Name | None = None
    channel: TicketChannel
    priority: TicketPriority = "normal"
    group: Ident | None = None
    assignee_id: Ident | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=30)


class TicketPatch(_Input):
    """Only the fields sent change; ``null`` clears an optional one."""

    subject: Subject | None = None
    description: Text | None = None
    requester_email: Email | None = None
    requester_name: Name | None = None
    priority: TicketPriority | None = None
    tags: list[Tag] | None = Field(default=None, max_length=30)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for name in ("subject", "priority", "tags", "description"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class StatusRequest(_Input):
    status: TicketStatus


class NewComment(_Input):
    body: Body
    public: bool = True
    author: Literal["agent", "requester"] = Field(
        default="agent", description="`requester`: a customer's reply relayed by an e-mail or chat gateway."
    )

    @model_validator(mode="after")
    def _requester_is_public(self) -> Self:
        if self.author == "requester" and not self.public:
            raise ValueError("a requester's reply is always public")
        return self


class AssignmentRequest(_Input):
    """Set ``group`` and/or ``assignee_id`` (null unassigns), or ``auto`` to let the
    group's strategy pick the agent."""

    group: Ident | None = None
    assignee_id: Ident | None = None
    auto: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.auto and "assignee_id" in self.model_fields_set:
            raise ValueError("give either assignee_id or auto, not both")
        if not self.auto and not self.model_fields_set - {"auto"}:
            raise ValueError("give group, assignee_id or auto")
        return self


class CsatRating(_Input):
    rating: int = Field(ge=1, le=5)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
