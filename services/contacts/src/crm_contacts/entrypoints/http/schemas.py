"""Response bodies (request bodies live in ``crm_contacts.domain.inputs``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.duplicates import DuplicateCandidate


class ReasonOut(BaseModel):
    code: str = Field(description="`same_email`, `same_phone` or `similar_name`.")
    detail: str
    score: float


class DuplicateOut(BaseModel):
    customer_id: str
    display_name: str
    kind: str
    score: float = Field(description="0..1; reasons combined as independent evidence.")
    reasons: list[ReasonOut]

    @classmethod
    def of(cls, c: DuplicateCandidate) -> DuplicateOut:
        return cls(
            customer_id=c.customer_id,
            display_name=c.display_name,
            kind=c.kind,
            score=c.score,
            reasons=[ReasonOut(code=r.code, detail=r.detail, score=r.score) for r in c.reasons],
        )


class CreatedCustomer(Customer):
    duplicates: list[DuplicateOut] = Field(
        default_factory=list, description="Possible duplicates found when it was created."
    )


class CustomerPage(BaseModel):
    items: list[Customer]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class DuplicateList(BaseModel):
    customer_id: str
    candidates: list[DuplicateOut]


class MergeOut(BaseModel):
    customer: Customer
    merged_ids: list[str]
    noop: bool = Field(description="True when these records were already merged: nothing changed.")


class HistoryEntry(BaseModel):
    version: int
    at: str | None
    actor: str | None
    actor_kind: str | None
    actor_id: str | None
    department: str | None
    type: str
    origin: str | None
    changes: list[dict[str, Any]] = Field(
        description=(
            "`{field, from, to}`; `{field, redacted}` after erasure; `{field, hidden}` for roles that see"
            " which fields changed but not the values (readonly, marketing, integration)"
        )
    )
    merged_ids: list[str] | None = None
    merged_into: str | None = None
    reason: str | None = None
    request_id: str | None = None
    causation_id: str | None = None
    redacted: bool | None = None


class HistoryPageOut(BaseModel):
    items: list[HistoryEntry]
    next_before: int | None = Field(description="Pass as `before` for older entries.")


class ErasureOut(BaseModel):
    customer_id: str
    version: int
    done: bool = Field(description="False while the tombstone waits for Kafka; the sweeper finishes it.")


class TimelineItem(BaseModel):
    event_id: str
    time: str
    type: str
    summary: str
    actor: str | None = None
    source: str | None = None
    subject: str | None = None


class TimelineOut(BaseModel):
    items: list[TimelineItem]
    next_cursor: str | None


class View360Out(BaseModel):
    customer: Customer
    deals: dict[str, Any]
    tickets: dict[str, Any]
    last_activity_at: str | None
    timeline: TimelineOut
