"""A delivery (one message to one target) and its attempts, as stored and logged."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_notifications.domain.models import Channel, Priority

Status = Literal["pending", "delivered", "failed", "cancelled"]
STATUSES: tuple[Status, ...] = ("pending", "delivered", "failed", "cancelled")


class Delivery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(alias="_id")
    kind: Literal["single", "digest"] = "single"
    event_id: str
    event_type: str
    customerid: str
    rule_id: str
    recipient: str
    channel: Channel
    user_id: str | None = None
    address: str | None = None
    endpoint_id: str | None = None
    mention: str | None = None
    priority: Priority = "normal"
    template: str | None = None
    status: Status = "pending"
    reason: str | None = None
    """Why it waits or was cancelled (``quiet hours``, ``customer erased``)."""
    attempts: int = 0
    max_attempts: int = 6
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None = None
    failed_at: datetime | None = None
    last_error: str | None = None
    last_status_code: int | None = None
    outcome_published: bool = False
    correlationid: str | None = None
    traceparent: str | None = None
    entries: list[dict[str, Any]] = Field(default_factory=list)
    """A digest's rendered entries."""
    digest_item_ids: list[str] = Field(default_factory=list)
    customerids: list[str] = Field(default_factory=list)
    """A digest's customers (one per item, distinct): an erasure finds what it must scrub."""
    erased_at: datetime | None = None
    """When the customer's personal data was scrubbed from this delivery (issue 16)."""
    attempt_log: list[AttemptRecord] = Field(default_factory=list)
    """Every finished attempt, oldest first."""

    def to_doc(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class AttemptRecord(BaseModel):
    """One finished attempt, as the delivery log shows it."""

    model_config = ConfigDict(extra="ignore")

    number: int
    started_at: datetime
    finished_at: datetime
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: float = 0.0


class AttemptLock(BaseModel):
    """The claim on attempt n of a delivery (unique ``_id``): who may make it, until when."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(alias="_id")
    delivery_id: str
    number: int
    started_at: datetime
    lease_until: datetime


def attempt_id(delivery_id: str, number: int) -> str:
    return f"{delivery_id}:{number:03d}"


Delivery.model_rebuild()
