"""Who can still be given work: a service's replica of the directory (``crm.directory``).

A service's worker keeps, per user id, whether the user is active (``directory_users`` in
its own store, written by ``_id`` only, newer snapshots only); its assignment asks it
before handing work to someone (sales' lead rules, service-desk's groups): a deactivated
user gets no new work. A user the directory never mentioned counts as active (rules and
groups may name people the directory does not know yet). The mechanics are shared; what
each service does with an inactive user is its own rule.

Teams too (``team:<id>`` documents: department, manager), and who is in each: the
members of a team are an id-keyed list per team (``crm_shared.listed`` over the
replica, ``directory_team_members``), kept with every user event, so "the members of
team x" and "the manager of user y" read documents by ``_id`` only. ``on_deactivated``
runs a service's own rule for a deactivated user's open work after the replica
recorded it (so the user's own work is never routed back to them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol

from crm_shared.events import CloudEvent
from crm_shared.events.directory import TEAM_KEY_PREFIX, TeamSnapshot, UserSnapshot
from crm_shared.listed import ListedCollection
from crm_shared.mongo import Collection, Database, upsert_if_newer

DIRECTORY_USERS = "directory_users"
TEAM_MEMBERS = "directory_team_members"
USER_EVENTS = (
    "crm.directory.user_created",
    "crm.directory.user_updated",
    "crm.directory.user_deactivated",
    "crm.directory.membership_changed",
)
TEAM_EVENTS = ("crm.directory.team_updated",)
DEACTIVATED = "crm.directory.user_deactivated"
MAX_MEMBERS = 1000


def _member_lists(doc: Mapping[str, Any] | None) -> dict[str, str]:
    """A replica user → the team lists they are on (keyed by their id)."""
    if doc is None or str(doc["_id"]).startswith(TEAM_KEY_PREFIX):
        return {}
    return {f"team:{t}": str(doc["_id"]) for t in doc.get("teams") or ()}


class ActivePeople(Protocol):
    async def inactive(self, user_ids: Iterable[str]) -> set[str]: ...


class DirectoryTeams(Protocol):
    async def team(self, team_id: str) -> dict[str, Any] | None: ...
    async def members(self, team_id: str) -> list[str]: ...


class DirectoryPeople:
    """The Mongo replica (the worker writes it, the API's assignment reads it)."""

    def __init__(self, coll: Collection, *, db: Database | None = None) -> None:
        self._coll = coll
        self._members = (
            ListedCollection(db, collection=TEAM_MEMBERS, lists_of=_member_lists, projection={"teams": 1})
            if db is not None
            else None
        )

    @classmethod
    def of(cls, db: Database) -> DirectoryPeople:
        return cls(db[DIRECTORY_USERS], db=db)

    @property
    def handlers(self) -> dict[str, Any]:
        return {**dict.fromkeys(USER_EVENTS, self.on_user), **dict.fromkeys(TEAM_EVENTS, self.on_team)}

    def handlers_with(self, *, on_deactivated: Callable[[CloudEvent], Awaitable[None]]) -> dict[str, Any]:
        """``handlers``, and a service's rule for a deactivated user's work after the replica
        recorded the deactivation (a replay runs it again: it must be idempotent)."""

        async def deactivated(event: CloudEvent) -> None:
            await self.on_user(event)
            await on_deactivated(event)

        return {**self.handlers, DEACTIVATED: deactivated}

    async def prepare(self) -> None:
        """The team lists built from a replica older than them (once)."""
        if self._members is not None:
            await self._members.build_once(self._coll)

    async def repair(self) -> None:
        if self._members is not None:
            await self._members.repair(self._coll)

    async def on_user(self, event: CloudEvent) -> None:
        snapshot: UserSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        fields = {"active": snapshot.active, "teams": list(snapshot.teams)}
        if self._members is None:
            await upsert_if_newer(self._coll, snapshot.id, snapshot.version, fields)
            return
        old = await self._coll.find_one({"_id": snapshot.id})
        new = {**(old or {}), **fields, "_id": snapshot.id}
        await self._members.before_commit(snapshot.id, old, new)
        if await upsert_if_newer(self._coll, snapshot.id, snapshot.version, fields):
            await self._members.after_commit(snapshot.id, old, new)

    async def on_team(self, event: CloudEvent) -> None:
        team: TeamSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        fields = {"name": team.name, "department": team.department, "manager_id": team.manager_id}
        await upsert_if_newer(self._coll, f"{TEAM_KEY_PREFIX}{team.id}", team.version, fields)

    async def team(self, team_id: str) -> dict[str, Any] | None:
        """``name``, ``department``, ``manager_id`` of a team the directory published."""
        return await self._coll.find_one({"_id": f"{TEAM_KEY_PREFIX}{team_id}"})

    async def members(self, team_id: str) -> list[str]:
        """The team's members (active or not), by id."""
        if self._members is None:
            return []
        docs = await self._members.page(self._coll, f"team:{team_id}", limit=MAX_MEMBERS)
        return [str(d["_id"]) for d in docs]

    async def manager_of(self, user_id: str, *, department: str | None = None) -> str | None:
        """The active manager of the first of the user's teams (by id; of ``department`` if
        given) that has one other than the user: who takes over their work."""
        user = await self._coll.find_one({"_id": user_id})
        for team_id in sorted((user or {}).get("teams") or ()):
            team = await self.team(team_id)
            if team is None or (department and team.get("department") != department):
                continue
            manager = team.get("manager_id")
            if manager and manager != user_id and not await self.inactive([manager]):
                return str(manager)
        return None

    async def deactivated(self) -> list[str]:
        """Every user the replica knows as deactivated (a scan: periodic jobs only)."""
        found = [str(d["_id"]) async for d in self._coll.find({"active": False}, {"_id": 1})]
        return sorted(found)

    async def inactive(self, user_ids: Iterable[str]) -> set[str]:
        ids = sorted(set(user_ids))
        if not ids:
            return set()
        docs = [d async for d in self._coll.find({"_id": {"$in": ids}})]
        return {str(d["_id"]) for d in docs if d.get("active") is False}


class InMemoryPeople:
    def __init__(self, inactive: Iterable[str] = (), *, teams: Mapping[str, Iterable[str]] | None = None) -> None:
        self.inactive_ids = set(inactive)
        self.teams = {t: list(m) for t, m in (teams or {}).items()}

    async def team(self, team_id: str) -> dict[str, Any] | None:
        return {"_id": f"{TEAM_KEY_PREFIX}{team_id}"} if team_id in self.teams else None

    async def members(self, team_id: str) -> list[str]:
        return list(self.teams.get(team_id, ()))

    async def inactive(self, user_ids: Iterable[str]) -> set[str]:
        return self.inactive_ids & set(user_ids)
