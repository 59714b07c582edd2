"""Activities: calls, meetings, e-mails, notes and tasks logged on a deal or a lead."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from crm_sales.domain.common import storable

ActivityKind = Literal["call", "meeting", "email", "note", "task"]

ERASED_TEXT = "[erased]"


class ActivityInput(BaseModel):
    """``POST /activities``: exactly one of ``deal_id`` and ``lead_id``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: ActivityKind
    subject: str = Field(min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=20_000)
    deal_id: str | None = None
    lead_id: str | None = None
    occurred_at: AwareDatetime | None = Field(default=None, description="When it happened; default: now.")
    due_at: AwareDatetime | None = Field(default=None, description="Tasks only: when it is due.")

    @model_validator(mode="after")
    def _one_parent(self) -> Self:
        if (self.deal_id is None) == (self.lead_id is None):
            raise ValueError("give exactly one of deal_id and lead_id")
        if self.due_at is not None and self.kind != "task":
            raise ValueError("only a task has a due date")
        return self


class ActivityChanges(BaseModel):
    """``PATCH /activities/{id}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=20_000)
    due_at: AwareDatetime | None = None
    done: bool | None = Field(default=None, description="Tasks only: mark done (or not).")

    def provided(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set}


class Activity(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    kind: ActivityKind
    subject: str
    body: str | None = None
    deal_id: str | None = None
    lead_id: str | None = None
    owner_id: str
    occurred_at: datetime
    due_at: datetime | None = None
    done: bool = False
    done_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    anonymized: bool = False

    @property
    def touches_at(self) -> datetime:
        """The parent's last activity time this activity stands for."""
        return self.occurred_at

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = storable(self.model_dump(exclude={"id"}))  # type: ignore[assignment]
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Activity:
        return cls.model_validate({**doc, "id": doc["_id"]})
