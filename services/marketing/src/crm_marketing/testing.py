"""Customer, deal and ticket events as their owners would publish them (tests, benchmarks)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crm_shared.events import (
    Actor,
    CloudEvent,
    CustomerCreated,
    CustomerErased,
    CustomerSnapshot,
    CustomerUpdated,
    DealSnapshot,
    DealWon,
    TicketOpened,
    TicketSnapshot,
)

ACTOR = Actor(id="script", department="marketing")
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def customer(customer_id: str, version: int = 1, *, consent: bool | None = True, **fields: Any) -> CloudEvent:
    """Customer ``customer_id`` at ``version``: created at 1, updated after."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": customer_id,
        "kind": "person",
        "display_name": f"Person {customer_id}",
        "first_name": "Ada",
        "emails": [f"{customer_id}@example.com"],
        "lifecycle_stage": "lead",
        "version": version,
        "created_at": T0,
        "updated_at": now,
    }
    if consent is not None:
        values["consent"] = {"email": {"granted": consent, "at": now, "source": "web_form"}}
    values.update(fields)
    snapshot = CustomerSnapshot.model_validate(values)
    if version == 1:
        return CloudEvent.wrap(CustomerCreated(snapshot=snapshot, change_origin="contacts"), actor=ACTOR)
    data = CustomerUpdated(snapshot=snapshot, changed_fields=sorted(fields), previous={}, change_origin="contacts")
    return CloudEvent.wrap(data, actor=ACTOR)


def erased(customer_id: str, version: int) -> CloudEvent:
    data = CustomerErased(
        customer_id=customer_id, version=version, erased_at=datetime.now(UTC), reason="data_subject_request",
        request_id="req-1",
    )  # fmt: skip
    return CloudEvent.wrap(data, actor=ACTOR)


def deal_won(deal_id: str, customer_id: str, version: int = 2) -> CloudEvent:
    now = datetime.now(UTC)
    snapshot = DealSnapshot.model_validate(
        {
            "id": deal_id, "customer_id": customer_id, "name": f"deal {deal_id}", "pipeline_id": "p1",
            "stage": "won", "stage_probability": 100, "status": "won", "amount": Decimal("100.00"),
            "currency": "EUR", "stage_entered_at": now, "created_at": T0, "updated_at": now, "version": version,
        }
    )  # fmt: skip
    return CloudEvent.wrap(DealWon(snapshot=snapshot), actor=ACTOR)


def ticket_opened(ticket_id: str, customer_id: str) -> CloudEvent:
    now = datetime.now(UTC)
    snapshot = TicketSnapshot.model_validate(
        {
            "id": ticket_id, "customer_id": customer_id, "subject": "help", "channel": "email",
            "priority": "normal", "status": "new", "created_at": now, "updated_at": now, "version": 1,
        }
    )  # fmt: skip
    return CloudEvent.wrap(TicketOpened(snapshot=snapshot), actor=ACTOR)
