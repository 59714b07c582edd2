"""In-memory adapters: unit tests run the use cases without a store or services."""

from __future__ import annotations

import copy
from collections.abc import Callable

from crm_console.domain.sessions import Session
from crm_console.service.ports import Doc


class InMemorySessionStore:
    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}

    async def get(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    async def put(self, session: Session) -> None:
        self.sessions[session.id] = session

    async def delete(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)


class InMemoryUserDocs:
    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def get(self, user: str) -> Doc:
        return copy.deepcopy(self.docs.get(user, {}))

    async def update(self, user: str, change: Callable[[Doc], Doc]) -> Doc:
        self.docs[user] = change(copy.deepcopy(self.docs.get(user, {})))
        return copy.deepcopy(self.docs[user])


class StaticRecordReader:
    """Answers ``can_read`` from a set of (user token, topic, record id) and counts questions."""

    def __init__(self, readable: set[tuple[str, str, str]] | None = None) -> None:
        self.readable = readable or set()
        self.asked: list[tuple[str, str, str]] = []

    async def can_read(self, token: str, *, topic: str, record_id: str) -> bool:
        self.asked.append((token, topic, record_id))
        return (token, topic, record_id) in self.readable
