"""The directory's use cases: the only place that writes users and teams.

Each write loads one aggregate, checks the caller and the expected version, computes the
next snapshot and its event and commits them together (``AggregateStore.commit``).
Deactivation only records the fact: the worker turns ``crm.directory.user_deactivated``
into a token revocation (``crm_directory.service.revoker``), so the revocation is
published at least once even if this process dies right after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.auth import KNOWN_ROLES, Principal
from crm_shared.clock import Clock, system_clock
from crm_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed, VersionConflict
from crm_shared.events import CloudEvent, EventData
from crm_shared.events.directory import (
    MembershipChanged,
    TeamSnapshot,
    TeamUpdated,
    UserCreated,
    UserDeactivated,
    UserSnapshot,
    UserUpdated,
)
from crm_shared.topics import Topics

from crm_directory.domain import people
from crm_directory.domain.permissions import may_manage, may_provision, require, self_provisioned
from crm_directory.service.ports import Records

LIST_LIMIT = 5_000


@dataclass
class Directory:
    users: Records
    teams: Records
    topics: Topics
    clock: Clock = system_clock

    # ---- reads -------------------------------------------------------------------
    async def user(self, user_id: str) -> UserSnapshot:
        doc = await self.users.get(user_id)
        if doc is None:
            raise NotFound(f"user {user_id} not found")
        return _user(doc)

    async def team(self, team_id: str) -> TeamSnapshot:
        doc = await self.teams.get(team_id)
        if doc is None:
            raise NotFound(f"team {team_id} not found")
        return _team(doc)

    async def list_users(self) -> list[UserSnapshot]:
        return [_user(d) for d in await self.users.list_all(limit=LIST_LIMIT)]

    async def list_teams(self) -> list[TeamSnapshot]:
        return [_team(d) for d in await self.teams.list_all(limit=LIST_LIMIT)]

    # ---- users -------------------------------------------------------------------
    async def create_user(self, *, by: Principal, user: people.NewUser) -> UserSnapshot:
        require(may_manage(by), "manage users")
        return await self._create(by=by, user=user)

    async def provision(self, *, by: Principal, user: people.NewUser) -> tuple[UserSnapshot, bool]:
        """First sign-in: the user as the directory knows them, made from the identity
        provider's claims if new (an admin's later edits win over the claims)."""
        require(may_provision(by, user.id), "provision users")
        if self_provisioned(by, user.id):
            department = by.department if by.department in ("sales", "service", "marketing") else None
            roles = sorted(set(by.roles) & KNOWN_ROLES)
            user = user.model_copy(update={"roles": roles, "department": department, "teams": []})
        doc = await self.users.get(user.id)
        if doc is not None:
            existing = _user(doc)
            if not existing.active:
                raise Forbidden(f"user {user.id} is deactivated")
            return existing, False
        return await self._create(by=by, user=user), True

    async def update_user(
        self, *, by: Principal, user_id: str, profile: people.UserProfile, expected_version: int
    ) -> UserSnapshot:
        require(may_manage(by), "manage users")
        current = await self._expect(user_id, expected_version)
        changes = people.changed(current, profile)
        if not changes:
            return current
        after = people.apply(current, changes, now=self.clock())
        previous = {k: _json(getattr(current, k)) for k in changes}
        event = UserUpdated(
            snapshot=after, changed_fields=sorted(changes), previous=previous, change_origin="directory"
        )
        return await self._commit_user(by, after, event)

    async def set_active(self, *, by: Principal, user_id: str, active: bool, expected_version: int) -> UserSnapshot:
        require(may_manage(by), "manage users")
        if not active and by.sub == user_id:
            raise Conflict("you cannot deactivate yourself")
        current = await self._expect(user_id, expected_version)
        if current.active == active:
            return current
        now = self.clock()
        after = people.apply(current, {"active": active, "deactivated_at": None if active else now}, now=now)
        event: EventData = (
            UserDeactivated(snapshot=after)
            if not active
            else UserUpdated(
                snapshot=after,
                changed_fields=["active", "deactivated_at"],
                previous={"active": False, "deactivated_at": _json(current.deactivated_at)},
                change_origin="directory",
            )
        )
        return await self._commit_user(by, after, event)

    async def set_membership(
        self, *, by: Principal, user_id: str, team_id: str, member: bool, expected_version: int | None = None
    ) -> UserSnapshot:
        require(may_manage(by), "manage teams")
        await self.team(team_id)
        current = await self.user(user_id)
        if expected_version is not None and expected_version != current.version:
            current = await self._expect(user_id, expected_version)
        if (team_id in current.teams) == member:
            return current
        teams = sorted({*current.teams, team_id} if member else set(current.teams) - {team_id})
        after = people.apply(current, {"teams": teams}, now=self.clock())
        event = MembershipChanged(snapshot=after, team_id=team_id, change="joined" if member else "left")
        return await self._commit_user(by, after, event)

    # ---- teams -------------------------------------------------------------------
    async def create_team(self, *, by: Principal, team: people.NewTeam) -> TeamSnapshot:
        require(may_manage(by), "manage teams")
        if await self.teams.get(team.id) is not None:
            raise Conflict(f"team {team.id} exists")
        await self._manager_exists(team.manager_id)
        snapshot = people.new_team(team, now=self.clock())
        return await self._commit_team(by, snapshot, expected_version=0)

    async def update_team(
        self, *, by: Principal, team_id: str, fields: people.TeamFields, expected_version: int
    ) -> TeamSnapshot:
        require(may_manage(by), "manage teams")
        current = await self.team(team_id)
        if current.version != expected_version:
            raise VersionConflict(f"team {team_id} is at version {current.version}", current_version=current.version)
        changes = people.team_changes(current, fields)
        if not changes:
            return current
        await self._manager_exists(changes.get("manager_id"))
        return await self._commit_team(
            by, people.apply_team(current, changes, now=self.clock()), expected_version=expected_version
        )

    # ---- plumbing ----------------------------------------------------------------
    async def _create(self, *, by: Principal, user: people.NewUser) -> UserSnapshot:
        if await self.users.get(user.id) is not None:
            raise Conflict(f"user {user.id} exists")
        for team_id in user.teams:
            await self.team(team_id)
        snapshot = people.new_user(user, now=self.clock())
        return await self._commit_user(by, snapshot, UserCreated(snapshot=snapshot))

    async def _expect(self, user_id: str, expected_version: int) -> UserSnapshot:
        current = await self.user(user_id)
        if current.version != expected_version:
            raise VersionConflict(f"user {user_id} is at version {current.version}", current_version=current.version)
        return current

    async def _manager_exists(self, manager_id: str | None) -> None:
        if manager_id is not None and await self.users.get(manager_id) is None:
            raise ValidationFailed.field(["body", "manager_id"], "no such user")

    async def _commit_user(self, by: Principal, after: UserSnapshot, event: EventData) -> UserSnapshot:
        await self.users.commit(
            aggregate_id=after.id,
            expected_version=after.version - 1,
            snapshot=after.model_dump(mode="json"),
            events=[(self.topics.directory, CloudEvent.wrap(event, actor=by.actor(), time=after.updated_at))],
            actor=by.sub,
        )
        return after

    async def _commit_team(self, by: Principal, after: TeamSnapshot, *, expected_version: int) -> TeamSnapshot:
        event = TeamUpdated(snapshot=after)
        await self.teams.commit(
            aggregate_id=after.id,
            expected_version=expected_version,
            snapshot=after.model_dump(mode="json"),
            events=[(self.topics.directory, CloudEvent.wrap(event, actor=by.actor(), time=after.updated_at))],
            actor=by.sub,
        )
        return after


def _user(doc: dict[str, Any]) -> UserSnapshot:
    return UserSnapshot.model_validate({k: v for k, v in doc.items() if k != "_id"})


def _team(doc: dict[str, Any]) -> TeamSnapshot:
    return TeamSnapshot.model_validate({k: v for k, v in doc.items() if k != "_id"})


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value
