"""Users and teams: what an admin may set, and how a change becomes the next snapshot.

Pure: no I/O. The snapshots are the event contract's (``crm_shared.events.directory``),
so what is stored is exactly what is published.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import available_timezones

from crm_shared.auth import KNOWN_ROLES
from crm_shared.events.directory import Department, TeamSnapshot, UserSnapshot, WorkingHours
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

_ZONES = frozenset(available_timezones()) | {"UTC"}
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
CHAT_TOOLS = ("slack", "teams", "mattermost")


def _zone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError("unknown IANA time zone")
    return value


def _roles(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - KNOWN_ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(unknown)}")
    return sorted(set(value))


def _handles(value: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(value) - set(CHAT_TOOLS))
    if unknown:
        raise ValueError(f"unknown chat tools: {', '.join(unknown)}")
    return {k: v for k, v in value.items() if v}


def _id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("lower-case letters, digits, '.', '_' or '-', at most 64")
    return value


Id = Annotated[str, AfterValidator(_id)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
TimeZone = Annotated[str, AfterValidator(_zone)]
Roles = Annotated[list[str], AfterValidator(_roles)]
Handles = Annotated[dict[str, Annotated[str, StringConstraints(max_length=100)]], AfterValidator(_handles)]


class UserProfile(BaseModel):
    """Everything about a user an admin edits (membership and deactivation apart)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None
    locale: Locale | None = None
    time_zone: TimeZone | None = None
    working_hours: WorkingHours | None = None
    chat_handles: Handles | None = None
    title: Annotated[str, StringConstraints(max_length=200)] | None = None
    roles: Roles | None = None
    department: Department | None = None


class NewUser(UserProfile):
    id: Id = Field(description="The user's `sub` in the identity provider.")
    name: Name
    email: Email
    locale: Locale = "en"
    time_zone: TimeZone = "UTC"
    teams: list[Id] = Field(default_factory=list)


class TeamFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    department: Department | None = None
    manager_id: Id | None = None


class NewTeam(TeamFields):
    id: Id
    name: Name
    department: Department


def new_user(user: NewUser, *, now: datetime) -> UserSnapshot:
    fields = user.model_dump(exclude_none=True)
    fields["teams"] = sorted(set(user.teams))
    return UserSnapshot(**fields, active=True, created_at=now, updated_at=now, version=1)


def changed(current: UserSnapshot, profile: UserProfile) -> dict[str, Any]:
    """The fields the profile changes (only those set and different)."""
    given = profile.model_dump(exclude_unset=True)
    before = current.model_dump()
    return {k: v for k, v in given.items() if before.get(k) != _plain(v)}


def _plain(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


def apply(current: UserSnapshot, changes: dict[str, Any], *, now: datetime) -> UserSnapshot:
    data = current.model_dump()
    data.update({k: _plain(v) for k, v in changes.items()})
    return UserSnapshot(**{**data, "updated_at": now, "version": current.version + 1})


def new_team(team: NewTeam, *, now: datetime) -> TeamSnapshot:
    return TeamSnapshot(**team.model_dump(), created_at=now, updated_at=now, version=1)


def team_changes(current: TeamSnapshot, fields: TeamFields) -> dict[str, Any]:
    given = fields.model_dump(exclude_unset=True)
    before = current.model_dump()
    return {k: v for k, v in given.items() if before.get(k) != v}


def apply_team(current: TeamSnapshot, changes: dict[str, Any], *, now: datetime) -> TeamSnapshot:
    return TeamSnapshot(**{**current.model_dump(), **changes, "updated_at": now, "version": current.version + 1})
