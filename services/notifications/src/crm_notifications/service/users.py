"""Users, as notifications knows them: addresses, chat handles, teams, roles, preferences.

Admins manage profiles; everyone manages their own preferences (opt-outs, quiet
hours, digest) and reads their own profile.
"""

from __future__ import annotations

from crm_shared.auth import Principal
from crm_shared.errors import Conflict, NotFound, VersionConflict

from crm_notifications.adapters.config_store import ConfigStore, to_user
from crm_notifications.domain.models import Preferences, User, UserSpec
from crm_notifications.domain.permissions import require_admin, require_self
from crm_notifications.service.config_cache import ConfigCache


class UserService:
    def __init__(self, *, store: ConfigStore, cache: ConfigCache | None = None) -> None:
        self._store = store
        self._cache = cache

    async def _load(self, user_id: str) -> User:
        doc = await self._store.get("users", user_id)
        if doc is None:
            raise NotFound(f"no user {user_id}")
        return to_user(doc)

    async def _save(self, user: User, *, expected: int | None, actor: str, create: bool = False) -> User:
        current = await self._store.version("users", user.id)
        exists = await self._store.get("users", user.id) is not None
        if create and exists:
            raise Conflict(f"user {user.id} exists already")
        if expected is not None and expected != current:
            raise VersionConflict(f"user {user.id} is at version {current}, not {expected}", current_version=current)
        version = await self._store.write(
            "users", user.id, expected_version=current, snapshot=user.model_dump(mode="json"), actor=actor
        )
        if self._cache is not None:
            self._cache.invalidate()
        return user.model_copy(update={"version": version})

    async def list(self, principal: Principal) -> list[User]:
        require_admin(principal)
        return [to_user(d) for d in await self._store.all("users")]

    async def get(self, principal: Principal, user_id: str) -> User:
        require_self(principal, user_id)
        return await self._load(user_id)

    async def put(
        self, principal: Principal, user_id: str, spec: UserSpec, *, expected: int | None, create: bool
    ) -> User:
        require_admin(principal)
        prefs = Preferences() if create else (await self._load(user_id)).preferences
        user = User(id=user_id, preferences=prefs, **spec.model_dump())
        return await self._save(user, expected=expected, actor=principal.actor().header_value(), create=create)

    async def set_preferences(
        self, principal: Principal, user_id: str, prefs: Preferences, *, expected: int | None
    ) -> User:
        require_self(principal, user_id)
        user = await self._load(user_id)
        return await self._save(
            user.model_copy(update={"preferences": prefs}), expected=expected, actor=principal.actor().header_value()
        )

    async def delete(self, principal: Principal, user_id: str, *, expected: int | None) -> None:
        require_admin(principal)
        user = await self._load(user_id)
        current = await self._store.version("users", user_id)
        if expected is not None and expected != current:
            raise VersionConflict(f"user {user_id} is at version {current}, not {expected}", current_version=current)
        await self._store.write(
            "users",
            user_id,
            expected_version=current,
            snapshot=user.model_dump(mode="json"),
            actor=principal.actor().header_value(),
            deleted=True,
        )
        if self._cache is not None:
            self._cache.invalidate()
