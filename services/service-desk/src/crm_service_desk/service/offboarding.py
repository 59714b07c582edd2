"""A deactivated agent's open tickets go back to their group's queue.

The rule: on ``crm.directory.user_deactivated`` every unsolved ticket assigned to the
user is unassigned and marked ``previous_assignee_deactivated`` (the queue shows it);
if its group has members, the group's automatic assignment (round-robin or least open,
which skips deactivated agents) gives it to an active one at once; otherwise it waits in
the group's queue. Each ticket is its own commit through the one write path
(``crm.ticket.assigned``, actor ``system:service-desk``).

Found without a scan: ``ticket_assignees`` lists each agent's unsolved tickets by id.
Idempotent: a ticket no longer assigned to the user is left alone, so a replayed event
changes nothing. Resumable: the consumer commits the event's offset only after every
ticket was released, so a crash midway re-delivers it and the rest are done then; a
periodic job (``sweep``) re-runs the release for every user the replica knows as
deactivated, for tickets assigned to them later (a race with an agent's own assign).
"""

from __future__ import annotations

import logging

from crm_shared.active_people import DirectoryPeople
from crm_shared.errors import CrmError
from crm_shared.events import CloudEvent
from crm_shared.events.directory import UserSnapshot
from crm_shared.events.ticket import TicketAssigned

from crm_service_desk.domain.status import UNSOLVED
from crm_service_desk.domain.ticket import Ticket
from crm_service_desk.service.assignment import Assigner
from crm_service_desk.service.ports import TicketStore
from crm_service_desk.service.writer import SERVICE_ACTOR, TicketWriter

log = logging.getLogger(__name__)
PAGE = 100


class TicketOffboarding:
    def __init__(self, *, tickets: TicketStore, writer: TicketWriter, assigner: Assigner) -> None:
        self.tickets = tickets
        self.writer = writer
        self.assigner = assigner

    async def on_user_deactivated(self, event: CloudEvent) -> None:
        snapshot: UserSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        if not snapshot.active:
            await self.release(snapshot.id, causation_id=event.id)

    async def release(self, agent: str, *, causation_id: str | None = None) -> int:
        """Every unsolved ticket of ``agent`` back to its group; returns how many moved."""
        moved = 0
        while True:
            ids = await self.tickets.open_assigned_to(agent, limit=PAGE)
            done = [await self._release_one(i, agent, causation_id) for i in ids]
            moved += sum(done)
            if len(ids) < PAGE or not any(done):
                break
        if moved:
            log.info("deactivated agent's tickets released", extra={"tickets": moved})
        return moved

    async def sweep(self, people: DirectoryPeople) -> int:
        """The periodic safety net: the release again for every deactivated user."""
        return sum([await self.release(agent) for agent in await people.deactivated()])

    async def _release_one(self, ticket_id: str, agent: str, causation_id: str | None) -> bool:
        async def change(ticket: Ticket) -> Ticket | None:
            if ticket.assignee_id != agent or ticket.status not in UNSOLVED:
                return None  # already released (a replay), or solved meanwhile
            assignee = await self._next_agent(ticket.group, agent)
            after = ticket.model_copy(update={"assignee_id": assignee, "previous_assignee_deactivated": agent})
            return await self.writer.save(
                ticket,
                after,
                lambda t: [TicketAssigned(snapshot=t.snapshot(), previous_assignee_id=agent, previous_group=t.group)],
                actor=SERVICE_ACTOR,
                changes={"op": "release", "reason": "assignee_deactivated", "assignee_id": assignee},
                causation_id=causation_id,
            )

        return await self.writer.retrying(ticket_id, change) is not None

    async def _next_agent(self, group: str | None, agent: str) -> str | None:
        """An active member of the group by its own rule, or None: the ticket waits in the queue."""
        if group is None or not await self.assigner.members(group):
            return None
        try:
            picked = await self.assigner.pick(group)
        except CrmError:  # every member deactivated
            return None
        return picked if picked != agent else None
