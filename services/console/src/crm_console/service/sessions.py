"""Sign-in, sessions and fresh tokens: the browser never sees a token, only a cookie."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from crm_shared.demo import demo_user

from crm_console.domain.sessions import Profile, Session, Tokens, new_session_id
from crm_console.service.ports import DevTokens, People, SessionStore, TokenIssuer

log = logging.getLogger(__name__)


class SignInRefused(Exception):
    """The development sign-in is off, or the user is unknown."""


@dataclass
class SessionService:
    store: SessionStore
    dev_tokens: DevTokens
    issuer: TokenIssuer | None
    idle_s: float
    max_s: float
    development: bool
    now: Callable[[], float] = time.time
    people: People | None = None
    """The directory: demo people and their teams come from it (the built-in list stands
    in when it does not answer); a deactivated user cannot sign in."""

    async def dev_login(self, *, sub: str) -> Session:
        if not self.development:
            raise SignInRefused("the development sign-in is off")
        known = await self.people.profile(sub) if self.people is not None else None
        if known is not None:
            profile, active = known
            if not active:
                raise SignInRefused("this user is deactivated")
            return await self.open(profile=profile, tokens=self.dev_tokens.mint(profile), source="development")
        user = demo_user(sub)
        if user is None:
            raise SignInRefused("unknown demo user")
        profile = Profile(
            sub=user.sub,
            name=user.name,
            email=user.email,
            roles=user.roles,
            department=user.department,
            teams=user.teams,
            locale=user.locale,
        )
        return await self.open(profile=profile, tokens=self.dev_tokens.mint(profile), source="development")

    async def open(self, *, profile: Profile, tokens: Tokens, source: str) -> Session:
        now = self.now()
        session = Session(
            id=new_session_id(), profile=profile, tokens=tokens, created_at=now, last_seen=now, source=source
        )
        await self.store.put(session)
        log.info("signed in", extra={"sub": profile.sub, "source": source})
        return session

    async def current(self, *, session_id: str | None) -> Session | None:
        """The live session behind a cookie, its access token fresh; None when signed out."""
        if not session_id:
            return None
        session = await self.store.get(session_id)
        if session is None:
            return None
        now = self.now()
        if session.expired(now, idle_s=self.idle_s, max_s=self.max_s):
            await self.store.delete(session.id)
            return None
        changed = now - session.last_seen > 60  # the idle clock moves, without a write per request
        if session.token_stale(now):
            tokens = await self._fresh_tokens(session)
            if tokens is None:
                await self.store.delete(session.id)
                return None
            session, changed = session.with_tokens(tokens), True
        if changed:
            session = session.seen(now)
            await self.store.put(session)
        return session

    async def _fresh_tokens(self, session: Session) -> Tokens | None:
        if session.source == "development":
            return self.dev_tokens.mint(session.profile) if self.development else None
        if self.issuer is None or not session.tokens.refresh_token:
            return None
        try:
            return await self.issuer.refresh(session)
        except Exception:
            log.warning(
                "token refresh failed; the user signs in again", exc_info=True, extra={"sub": session.profile.sub}
            )
            return None

    async def logout(self, *, session_id: str | None) -> None:
        if session_id:
            await self.store.delete(session_id)
