"""Who can still be given work: a service's replica of the directory (``crm.directory``).

A service's worker keeps, per user id, whether the user is active (``directory_users`` in
its own store, written by ``_id`` only, newer snapshots only); its assignment asks it
before handing work to someone (sales' lead rules, service-desk's groups): a deactivated
user gets no new work. A user the directory never mentioned counts as active (rules and
groups may name people the directory does not know yet). The mechanics are shared; what
each service does with an inactive user is its own rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from crm_shared.events import CloudEvent
from crm_shared.events.directory import UserSnapshot
from crm_shared.mongo import Collection, upsert_if_newer

DIRECTORY_USERS = "directory_users"
USER_EVENTS = (
    "crm.directory.user_created",
    "crm.directory.user_updated",
    "crm.directory.user_deactivated",
    "crm.directory.membership_changed",
)


class ActivePeople(Protocol):
    async def inactive(self, user_ids: Iterable[str]) -> set[str]: ...


class DirectoryPeople:
    """The Mongo replica (the worker writes it, the API's assignment reads it)."""

    def __init__(self, coll: Collection) -> None:
        self._coll = coll

    @property
    def handlers(self) -> dict[str, Any]:
        return dict.fromkeys(USER_EVENTS, self.on_user)

    async def on_user(self, event: CloudEvent) -> None:
        snapshot: UserSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        await upsert_if_newer(
            self._coll, snapshot.id, snapshot.version, {"active": snapshot.active, "teams": list(snapshot.teams)}
        )

    async def inactive(self, user_ids: Iterable[str]) -> set[str]:
        ids = sorted(set(user_ids))
        if not ids:
            return set()
        docs = [d async for d in self._coll.find({"_id": {"$in": ids}})]
        return {str(d["_id"]) for d in docs if d.get("active") is False}


class InMemoryPeople:
    def __init__(self, inactive: Iterable[str] = ()) -> None:
        self.inactive_ids = set(inactive)

    async def inactive(self, user_ids: Iterable[str]) -> set[str]:
        return self.inactive_ids & set(user_ids)
