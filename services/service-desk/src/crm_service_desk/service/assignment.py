"""Automatic assignment within a support group, and membership checks."""

from __future__ import annotations

from crm_shared.active_people import ActivePeople, DirectoryTeams
from crm_shared.clock import Clock
from crm_shared.errors import ValidationFailed

from crm_service_desk.domain import assignment
from crm_service_desk.service.ports import GroupStore, TicketStore


class Assigner:
    def __init__(
        self,
        *,
        groups: GroupStore,
        tickets: TicketStore,
        strategy: assignment.Strategy,
        clock: Clock,
        people: ActivePeople | None = None,
        teams: DirectoryTeams | None = None,
    ) -> None:
        self.people = people
        """The directory's replica: a deactivated agent gets no new tickets (None: no filter)."""
        self.teams = teams
        """The directory's teams: a group that is a directory team has its members (None: configs only)."""
        self.groups = groups
        self.tickets = tickets
        self.strategy = strategy
        self.clock = clock

    async def members(self, group: str) -> list[str] | None:
        """A group is the directory's team of the same id when the directory has one (its
        members from the replica); else the members configured here before the directory
        (read as they are), or None for a group nobody configured (free-form)."""
        if self.teams is not None and await self.teams.team(group) is not None:
            return await self.teams.members(group)
        doc = await self.groups.get(group)
        return list(doc["members"]) if doc else None

    async def pick(self, group: str) -> str:
        members = await self.members(group)
        if members and self.people is not None:
            gone = await self.people.inactive(members)
            members = [m for m in members if m not in gone]
        if not members:
            raise ValidationFailed.field(["group"], f"group {group!r} has no members to assign to")
        if self.strategy == "least_open":
            return assignment.least_open(members, await self.tickets.open_counts(members))
        return assignment.round_robin(members, await self.groups.next_slot(group, now=self.clock()))

    async def check_member(self, group: str, agent: str, *, loc: str) -> None:
        members = await self.members(group)
        if members is not None and agent not in members:
            raise ValidationFailed.field([loc], f"{agent} is not a member of group {group!r}")

    async def check_or_pick(self, group: str, agent: str | None, *, loc: str) -> str | None:
        """On a new ticket: keep a valid given agent, else pick one if the group has members."""
        if agent is not None:
            await self.check_member(group, agent, loc=loc)
            return agent
        members = await self.members(group)
        return await self.pick(group) if members else None
