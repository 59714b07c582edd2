"""The console's own database: sessions and per-user documents, by ``_id`` only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from crm_shared.mongo import Collection
from pymongo.errors import DuplicateKeyError

from crm_console.domain.sessions import Session
from crm_console.service.ports import Doc


class MongoSessionStore:
    def __init__(self, coll: Collection) -> None:
        self._coll = coll

    async def get(self, session_id: str) -> Session | None:
        doc = await self._coll.find_one({"_id": session_id})
        return Session.from_doc(doc) if doc else None

    async def put(self, session: Session) -> None:
        await self._coll.replace_one({"_id": session.id}, session.to_doc(), upsert=True)

    async def delete(self, session_id: str) -> None:
        await self._coll.delete_one({"_id": session_id})


class MongoUserDocs:
    """``{_id: user, rev: n, ...}`` changed by compare-and-set on ``rev``.

    Atomic on MongoDB; the local store's updates are read-then-write, so there two
    console processes writing the same user's document at the same instant may lose one
    write. Writes of one user within a process are serialised.
    """

    def __init__(self, coll: Collection, *, attempts: int = 10) -> None:
        self._coll = coll
        self._attempts = attempts
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, user: str) -> Doc:
        doc = await self._coll.find_one({"_id": user})
        return _public(doc)

    async def update(self, user: str, change: Callable[[Doc], Doc]) -> Doc:
        lock = self._locks.setdefault(user, asyncio.Lock())
        try:
            async with lock:
                return await self._update(user, change)
        finally:
            if not lock.locked() and self._locks.get(user) is lock:
                del self._locks[user]

    async def _update(self, user: str, change: Callable[[Doc], Doc]) -> Doc:
        for _ in range(self._attempts):
            current = await self._coll.find_one({"_id": user})
            new = change(_public(current))
            if current is None:
                try:
                    await self._coll.insert_one({**new, "_id": user, "rev": 1})
                except DuplicateKeyError:
                    continue
                return new
            result = await self._coll.replace_one(
                {"_id": user, "rev": current["rev"]}, {**new, "_id": user, "rev": current["rev"] + 1}
            )
            if result.matched_count:
                return new
        raise RuntimeError("the user's document keeps changing; gave up")


def _public(doc: dict[str, Any] | None) -> Doc:
    return {k: v for k, v in (doc or {}).items() if k not in ("_id", "rev")}
