"""A signed-in browser: who it is, the tokens held for it, its CSRF token."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Profile:
    sub: str
    name: str
    email: str
    roles: tuple[str, ...]
    department: str | None
    teams: tuple[str, ...]
    locale: str = "en"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_at: float
    refresh_token: str | None = None


@dataclass(frozen=True)
class Session:
    id: str
    profile: Profile
    tokens: Tokens
    created_at: float
    last_seen: float
    source: str = "development"
    """``development`` (a minted demo token) or ``oidc`` (the issuer's tokens)."""
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def expired(self, now: float, *, idle_s: float, max_s: float) -> bool:
        return now - self.last_seen > idle_s or now - self.created_at > max_s

    def token_stale(self, now: float, *, margin_s: float = 30.0) -> bool:
        return self.tokens.expires_at - margin_s <= now

    def seen(self, now: float) -> Session:
        return replace(self, last_seen=now)

    def with_tokens(self, tokens: Tokens) -> Session:
        return replace(self, tokens=tokens)

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["_id"] = doc.pop("id")
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Session:
        p, t = doc["profile"], doc["tokens"]
        profile = Profile(
            sub=p["sub"],
            name=p["name"],
            email=p["email"],
            roles=tuple(p["roles"]),
            department=p.get("department"),
            teams=tuple(p.get("teams") or ()),
            locale=p.get("locale") or "en",
        )
        return cls(
            id=doc["_id"],
            profile=profile,
            tokens=Tokens(**t),
            created_at=doc["created_at"],
            last_seen=doc["last_seen"],
            source=doc.get("source", "development"),
            csrf_token=doc["csrf_token"],
        )


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf_token, presented or "")
