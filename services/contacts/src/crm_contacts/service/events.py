"""The customer events contacts publishes, built from a change and who caused it."""

from __future__ import annotations

from datetime import datetime

from crm_shared.events.customer import (
    CustomerCreated,
    CustomerErased,
    CustomerMerged,
    CustomerUpdated,
    ErasureReason,
)
from crm_shared.events.envelope import CloudEvent

from crm_contacts.domain.changes import Changes
from crm_contacts.domain.customer import Customer
from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import Erased


def _wrap(
    data: CustomerCreated | CustomerUpdated | CustomerMerged | CustomerErased,
    caller: Caller,
    customer_id: str,
    time: datetime,
) -> CloudEvent:
    """``time`` is the commit time the snapshot carries, so event and record agree."""
    return CloudEvent.wrap(
        data,
        actor=caller.actor,
        correlation_id=caller.correlation_id,
        causation_id=caller.causation_id,
        traceparent=caller.traceparent,
        customer_id=customer_id,
        time=time,
    )


def created(customer: Customer, caller: Caller) -> CloudEvent:
    data = CustomerCreated(snapshot=customer.snapshot(), change_origin=caller.origin)
    return _wrap(data, caller, customer.id, customer.updated_at)


def updated(customer: Customer, changes: Changes, caller: Caller) -> CloudEvent:
    data = CustomerUpdated(
        snapshot=customer.snapshot(),
        changed_fields=changes.changed_fields,
        previous=changes.previous,
        change_origin=caller.origin,
    )
    return _wrap(data, caller, customer.id, customer.updated_at)


def merged(customer: Customer, changes: Changes, merged_ids: list[str], caller: Caller) -> CloudEvent:
    data = CustomerMerged(
        snapshot=customer.snapshot(),
        changed_fields=changes.changed_fields,
        previous=changes.previous,
        change_origin=caller.origin,
        survivor_id=customer.id,
        merged_ids=merged_ids,
    )
    return _wrap(data, caller, customer.id, customer.updated_at)


def erased(state: Erased, *, reason: ErasureReason, request_id: str, caller: Caller) -> CloudEvent:
    data = CustomerErased(
        customer_id=state.id, version=state.version, erased_at=state.erased_at, reason=reason, request_id=request_id
    )
    return _wrap(data, caller, state.id, state.erased_at)
