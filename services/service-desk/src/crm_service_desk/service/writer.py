"""The one way a ticket changes: new snapshot + its events in one AggregateStore commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from crm_shared.clock import Clock
from crm_shared.errors import VersionConflict
from crm_shared.events.base import EventData
from crm_shared.events.envelope import Actor, CloudEvent
from crm_shared.events.ticket import TicketUpdated
from crm_shared.logs import correlation_id
from crm_shared.topics import Topics

from crm_service_desk.domain.ticket import Ticket
from crm_service_desk.service.ports import TicketStore

log = logging.getLogger(__name__)

EventFactory = Callable[[Ticket], Sequence[EventData]]
SERVICE_ACTOR = Actor.system("service-desk")


def no_events(_: Ticket) -> Sequence[EventData]:
    return ()


def updated_event(before: Ticket, *, redact: bool = False, origin: str = "service-desk") -> EventFactory:
    """``crm.ticket.updated`` naming the snapshot fields that differ from ``before``."""
    old = before.snapshot().model_dump(mode="json")

    def make(after: Ticket) -> Sequence[EventData]:
        new = after.snapshot().model_dump(mode="json")
        changed = [k for k in new if k != "version" and new[k] != old.get(k)]
        previous = {} if redact else {k: old.get(k) for k in changed}
        return [
            TicketUpdated(snapshot=after.snapshot(), changed_fields=changed, previous=previous, change_origin=origin)
        ]

    return make


class TicketWriter:
    def __init__(self, repo: TicketStore, topics: Topics, *, clock: Clock) -> None:
        self.repo = repo
        self.topics = topics
        self.clock = clock

    async def save(
        self,
        before: Ticket,
        after: Ticket,
        events: EventFactory,
        *,
        actor: Actor,
        changes: dict[str, Any],
        causation_id: str | None = None,
        correlation: str | None = None,
        event_ids: Sequence[str] | None = None,
    ) -> Ticket:
        """Commit ``after`` as version ``before.version + 1``; VersionConflict (412) if someone won.

        The version is stamped here with its commit time (``updated_at``), which is also the
        ``time`` of its events: whatever the change (an SLA record, a merge, an erasure), no
        event can carry an older instant than the write it announces."""
        ticket = after.model_copy(update={"version": before.version + 1, "updated_at": self.clock()})
        data = list(events(ticket))
        ids: Sequence[str | None] = event_ids or [None] * len(data)
        wrapped = [
            (
                self.topics.ticket,
                CloudEvent.wrap(
                    d,
                    actor=actor,
                    time=ticket.updated_at,
                    event_id=i,
                    causation_id=causation_id,
                    correlation_id=correlation or correlation_id.get(),
                ),
            )
            for d, i in zip(data, ids, strict=True)
        ]
        return await self.repo.commit(
            ticket, expected_version=before.version, events=wrapped, actor=actor.header_value(), changes=changes
        )

    async def retrying(
        self, ticket_id: str, change: Callable[[Ticket], Awaitable[Ticket | None]], *, attempts: int = 8
    ) -> Ticket | None:
        """Reload and re-apply ``change`` when a concurrent writer won (system-side changes:
        they must not fail because an agent saved at the same moment). ``change``
        returns None when there is nothing (left) to do."""
        for attempt in range(attempts):
            ticket = await self.repo.get(ticket_id)
            if ticket is None:
                return None
            try:
                return await change(ticket)
            except VersionConflict:
                log.info("ticket changed concurrently; retrying", extra={"ticket_id": ticket_id, "attempt": attempt})
        raise VersionConflict(f"ticket {ticket_id} kept changing; gave up after {attempts} attempts")
