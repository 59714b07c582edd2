"""The SLA monitor: a periodic scan (in the worker) that publishes each warning and
breach exactly once per ticket, target and kind.

1. Tickets whose ``sla_next_check_at`` has passed are loaded (an index scan).
2. Each due (target, kind) is claimed with a unique-index insert; a lost claim is
   skipped unless it is unfinished and older than the lease (its worker died).
3. The claimed items are recorded on the ticket and their events committed in the
   same revision (outbox), with deterministic event ids. The revision's unique
   version settles any race that is left: whoever loses reloads, sees the record
   and publishes nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from crm_shared.clock import Clock
from crm_shared.errors import VersionConflict
from crm_shared.events.base import EventData
from crm_shared.events.ticket import SlaTarget, TicketSlaBreached, TicketSlaWarning

from crm_service_desk.domain.calendar import add_business_seconds
from crm_service_desk.domain.sla import SlaKind
from crm_service_desk.domain.ticket import Ticket
from crm_service_desk.service.ports import SlaClaimStore, claim_id
from crm_service_desk.service.writer import SERVICE_ACTOR, TicketWriter, no_events

log = logging.getLogger(__name__)
_EVENT_NS = uuid.UUID("5d0f3c1a-8e2b-4b7a-9c61-0f4e2d9a7b35")

Due = tuple[SlaTarget, SlaKind, datetime]


def sla_event_id(ticket_id: str, target: str, kind: str) -> str:
    """The same (ticket, target, kind) always gets the same event id: subscribers dedupe."""
    return str(uuid.uuid5(_EVENT_NS, claim_id(ticket_id, target, kind)))


class SlaMonitor:
    def __init__(
        self, *, writer: TicketWriter, claims: SlaClaimStore, clock: Clock, owner: str, lease_s: float
    ) -> None:
        self.writer = writer
        self.claims = claims
        self.clock = clock
        self.owner = owner
        self.lease_s = lease_s

    async def scan_once(self) -> int:
        """Publish what fell due; returns how many warnings and breaches were recorded."""
        now = self.clock()
        recorded = 0
        for ticket_id in await self.writer.repo.sla_due(now):
            try:
                recorded += await self._check(ticket_id)
            except Exception:  # one bad ticket must not stop the scan of the others
                log.exception("SLA check failed", extra={"ticket_id": ticket_id})
        return recorded

    async def _check(self, ticket_id: str) -> int:
        mine: set[tuple[str, str]] = set()  # claimed in this call: still ours after a conflict
        for _ in range(8):
            ticket = await self.writer.repo.get(ticket_id)
            if ticket is None:
                return 0
            now = self.clock()
            due = ticket.sla_due(now)
            claimed = []
            for target, kind, at in due:
                if (target, kind) in mine or await self.claims.claim(
                    ticket.id, target, kind, owner=self.owner, now=now, lease_s=self.lease_s
                ):
                    mine.add((target, kind))
                    claimed.append((target, kind, at))
            try:
                if not claimed:
                    await self._refresh_if_stale(ticket, due=bool(due))
                    return 0
                saved = await self._record(ticket, claimed, now)
            except VersionConflict:
                continue  # someone else changed the ticket: reload, recompute
            for target, kind, _ in claimed:
                await self.claims.finish(ticket.id, target, kind, version=saved.version)
            return len(claimed)
        return 0

    async def _record(self, ticket: Ticket, items: list[Due], now: datetime) -> Ticket:
        ids = {(t, k): sla_event_id(ticket.id, t, k) for t, k, _ in items}
        states = ticket.clocks(now)
        after = ticket.record_sla(items, now=now, event_ids=ids)
        assert ticket.sla is not None  # only tickets under an SLA have items due

        def deadline(target: SlaTarget) -> datetime:
            state = states[target]
            if state.due_at is not None:
                return state.due_at
            assert ticket.sla is not None  # paused after the warning: the deadline if resumed now
            return add_business_seconds(ticket.sla.calendar, now, state.limit_s - state.elapsed_s)

        def events(saved: Ticket) -> list[EventData]:
            out: list[EventData] = []
            for target, kind, at in items:
                if kind == "warning":
                    share = min(1.0, states[target].elapsed_s / states[target].limit_s)
                    out.append(
                        TicketSlaWarning(
                            snapshot=saved.snapshot(),
                            target=target,
                            due_at=deadline(target),
                            elapsed_share=round(share, 4),
                        )
                    )
                else:
                    out.append(TicketSlaBreached(snapshot=saved.snapshot(), target=target, due_at=at, breached_at=now))
            return out

        names = [f"{t}:{k}" for t, k, _ in items]
        log.info("SLA items due", extra={"ticket_id": ticket.id, "items": names})
        return await self.writer.save(
            ticket,
            after,
            events,
            actor=SERVICE_ACTOR,
            event_ids=[ids[(t, k)] for t, k, _ in items],
            changes={"op": "sla", "items": names},
        )

    async def _refresh_if_stale(self, ticket: Ticket, *, due: bool) -> None:
        """Nothing to publish: make sure the ticket does not come back on every scan."""
        if due:
            return  # claimed by a live worker; it will record it (or its lease expires)
        fresh = ticket.with_sla(self.clock())
        if fresh.sla_next_check_at != ticket.sla_next_check_at:
            await self.writer.save(ticket, fresh, no_events, actor=SERVICE_ACTOR, changes={"op": "sla_refresh"})
