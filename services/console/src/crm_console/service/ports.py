"""What the console's use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from crm_console.domain.sessions import Profile, Session, Tokens

Doc = dict[str, Any]


class SessionStore(Protocol):
    async def get(self, session_id: str) -> Session | None: ...

    async def put(self, session: Session) -> None: ...

    async def delete(self, session_id: str) -> None: ...


class UserDocs(Protocol):
    """One document per user (saved views, the bell), read and written by ``_id`` only."""

    async def get(self, user: str) -> Doc: ...

    async def update(self, user: str, change: Callable[[Doc], Doc]) -> Doc:
        """Apply ``change`` to the user's document (``{}`` when new) and store the result;
        concurrent writers of the same user are retried, never lost."""
        ...


class RecordReader(Protocol):
    async def can_read(self, token: str, *, topic: str, record_id: str) -> bool:
        """Whether the owning service lets this token's user read the record."""
        ...


class TokenIssuer(Protocol):
    """Signs users in and keeps their access tokens fresh."""

    async def refresh(self, session: Session) -> Tokens: ...


class DevTokens(Protocol):
    def mint(self, profile: Profile) -> Tokens: ...


class People(Protocol):
    """The directory, as sign-in needs it."""

    async def profile(self, sub: str) -> tuple[Profile, bool] | None:
        """The user's profile and whether they are active; None if unknown or unreachable."""
        ...
