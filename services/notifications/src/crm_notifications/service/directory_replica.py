"""Notifications' recipients come from the directory: ``crm.directory`` → the users here.

Each user event (created, updated, membership changed) makes the notifications user the
directory's: name, e-mail, roles, teams and chat handles (their notification preferences,
which are notifications' own, are kept). A deactivation removes the user, so no rule
resolves to them any more and nothing is sent to them; a reactivation brings them back
(with default preferences: the removed user's are not kept). Snapshots apply only when newer than the one applied
(``directory_replica``, by ``_id``), so a replay or a duplicate changes nothing. Teams'
own events are not needed here (membership is on the user).
"""

from __future__ import annotations

from typing import Any

from crm_shared.active_people import USER_EVENTS
from crm_shared.events import CloudEvent
from crm_shared.events.directory import UserSnapshot
from crm_shared.mongo import Collection, upsert_if_newer

from crm_notifications.adapters.config_store import ConfigStore
from crm_notifications.domain.models import ChatIdentity, Preferences, User
from crm_notifications.service.config_cache import ConfigCache

REPLICA = "directory_replica"
ACTOR = "system:directory"


def user_of(snapshot: UserSnapshot, preferences: Preferences) -> User:
    tools = ("slack", "teams", "mattermost")
    chat = {tool: ChatIdentity(handle=handle) for tool, handle in snapshot.chat_handles.items() if tool in tools}
    return User(
        id=snapshot.id,
        name=snapshot.name,
        email=snapshot.email,
        roles=list(snapshot.roles),
        teams=list(snapshot.teams),
        chat=chat,
        preferences=preferences,
    )


class DirectoryReplica:
    def __init__(self, *, store: ConfigStore, replica: Collection, cache: ConfigCache | None = None) -> None:
        self._store = store
        self._replica = replica
        self._cache = cache

    def handlers(self) -> dict[str, Any]:
        return dict.fromkeys(USER_EVENTS, self.on_user)

    async def on_user(self, event: CloudEvent) -> None:
        snapshot: UserSnapshot = event.payload().snapshot  # type: ignore[attr-defined]
        if not await upsert_if_newer(self._replica, snapshot.id, snapshot.version, {"active": snapshot.active}):
            return
        current = await self._store.version("users", snapshot.id)
        doc = await self._store.get("users", snapshot.id)
        kept = Preferences.model_validate(doc["preferences"]) if doc and doc.get("preferences") else Preferences()
        if not snapshot.active:
            if doc is not None:
                await self._store.write(
                    "users", snapshot.id, expected_version=current, snapshot=doc, actor=ACTOR, deleted=True
                )
        else:
            user = user_of(snapshot, kept)
            await self._store.write(
                "users", snapshot.id, expected_version=current, snapshot=user.model_dump(mode="json"), actor=ACTOR
            )
        if self._cache is not None:
            self._cache.invalidate()
