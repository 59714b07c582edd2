"""The customer aggregate as contacts stores it: the public snapshot plus merge links.

:class:`Customer` is the contract's :class:`CustomerSnapshot` (what every event
carries) with two fields only contacts keeps: ``merged_into`` (set on a record that
was merged away) and ``merged_ids`` (the records a survivor absorbed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, get_args

from crm_shared.events.customer import ConsentChannel, CustomerSnapshot, LifecycleStage
from pydantic import Field

LIFECYCLE_STAGES: Final = tuple(get_args(LifecycleStage))
CONSENT_CHANNELS: Final = tuple(get_args(ConsentChannel))

SNAPSHOT_FIELDS: Final = frozenset(CustomerSnapshot.model_fields)
BOOKKEEPING_FIELDS: Final = frozenset({"id", "version", "created_at", "updated_at"})
"""Snapshot fields that change on every write and are never 'changed fields'."""
BUSINESS_FIELDS: Final = SNAPSHOT_FIELDS - BOOKKEEPING_FIELDS


class Customer(CustomerSnapshot):
    merged_into: str | None = Field(default=None, description="Survivor this record was merged into.")
    merged_ids: list[str] = Field(default_factory=list, description="Records merged into this one.")

    def snapshot(self) -> CustomerSnapshot:
        """The contract's view (what events carry): no contacts-internal fields."""
        return CustomerSnapshot.model_validate(self.model_dump(include=set(SNAPSHOT_FIELDS)))

    def evolve(self, **changes: Any) -> Customer:
        """A validated copy with ``changes`` applied."""
        return Customer.model_validate({**self.model_dump(), **changes})

    @property
    def is_merged(self) -> bool:
        return self.merged_into is not None

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def person_display_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p).strip()


def lifecycle_after_deal_won(stage: str) -> str | None:
    """The stage a won deal moves a customer to, or None if it stays where it is."""
    return None if stage == "customer" else "customer"


def newer(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
