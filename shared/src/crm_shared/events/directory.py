"""Directory events (topic ``crm.directory``, published by directory): who works here.

Users are keyed by their user id (the ``sub`` of their tokens), teams by
``team:<team id>`` (:func:`team_partition_key`). Every event carries the full current
snapshot, so the compacted topic read from the start is the whole directory: a
service's replica of the people it routes work to bootstraps from it. Membership
belongs to the user (``snapshot.teams``): one write changes one aggregate.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crm_shared.events.base import EventData, register
from crm_shared.events.common import ChangeEvent, Email, Snapshot, UtcDatetime, Version

Department = Literal["sales", "service", "marketing"]
TEAM_KEY_PREFIX = "team:"


def team_partition_key(team_id: str) -> str:
    return f"{TEAM_KEY_PREFIX}{team_id}"


class WorkingHours(Snapshot):
    """When a user works, in their own time zone (quiet hours are the rest)."""

    days: list[int] = Field(description="ISO weekdays worked, 1 = Monday ... 7 = Sunday.")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Start of the day, `HH:MM`.")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="End of the day, `HH:MM`.")


class UserSnapshot(Snapshot):
    """The full current state of one user (a person who works here)."""

    id: str = Field(description="User id: the `sub` of the user's tokens.")
    name: str = Field(description="Full name to show.")
    email: Email = Field(description="Work e-mail address, lower case.")
    locale: str = Field(description="UI and message language (BCP 47, e.g. `en`, `zh-CN`).")
    time_zone: str = Field(description="IANA time zone (e.g. `Europe/Berlin`).")
    working_hours: WorkingHours | None = Field(default=None, description="Working hours; null: always reachable.")
    chat_handles: dict[str, str] = Field(
        default_factory=dict, description="Chat user ids by tool (`slack`, `teams`, `mattermost`)."
    )
    title: str = Field(default="", description="Job title.")
    roles: list[str] = Field(default_factory=list, description="Roles granted (`sales`, `manager`, ...).")
    department: Department | None = Field(default=None, description="Department; null for admins and auditors.")
    teams: list[str] = Field(default_factory=list, description="Team ids the user is a member of.")
    active: bool = Field(description="False once deactivated: no sign-in, no tokens, no notifications.")
    deactivated_at: UtcDatetime | None = Field(default=None, description="When the user was deactivated.")
    created_at: UtcDatetime = Field(description="When the user was created.")
    updated_at: UtcDatetime = Field(description="When the user last changed.")
    version: Version = Field(description="Aggregate version, +1 on every change (≥ 1).")


class TeamSnapshot(Snapshot):
    """The full current state of one team. Its members are the users whose `teams` name it."""

    id: str = Field(description="Team id (e.g. `sales-east`).")
    name: str = Field(description="Name to show.")
    department: Department = Field(description="The department the team belongs to.")
    manager_id: str | None = Field(default=None, description="User id of the team's manager.")
    created_at: UtcDatetime = Field(description="When the team was created.")
    updated_at: UtcDatetime = Field(description="When the team last changed.")
    version: Version = Field(description="Aggregate version, +1 on every change (≥ 1).")


class _UserEvent(EventData):
    topic: ClassVar[str] = "directory"
    source_service: ClassVar[str] = "directory"

    snapshot: UserSnapshot = Field(description="The user after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return self.snapshot.id

    def aggregate_version(self) -> int:
        return self.snapshot.version


@register
class UserCreated(_UserEvent):
    """A user was created by an admin, or provisioned on first sign-in."""

    event_type: ClassVar[str] = "crm.directory.user_created"


@register
class UserUpdated(ChangeEvent, _UserEvent):
    """A user's profile changed: name, e-mail, locale, time zone, hours, handles, roles,
    or they were reactivated. Deactivation and membership have their own events."""

    event_type: ClassVar[str] = "crm.directory.user_updated"


@register
class UserDeactivated(_UserEvent):
    """A user was deactivated: their tokens are revoked, they get no more notifications,
    and routing skips them."""

    event_type: ClassVar[str] = "crm.directory.user_deactivated"


@register
class MembershipChanged(_UserEvent):
    """A user joined or left a team (``snapshot.teams`` is the result)."""

    event_type: ClassVar[str] = "crm.directory.membership_changed"

    team_id: str = Field(description="The team joined or left.")
    change: Literal["joined", "left"] = Field(description="`joined` or `left`.")


@register
class TeamUpdated(EventData):
    """A team was created or changed (name, department, manager). Keyed ``team:<id>``."""

    event_type: ClassVar[str] = "crm.directory.team_updated"
    topic: ClassVar[str] = "directory"
    source_service: ClassVar[str] = "directory"

    snapshot: TeamSnapshot = Field(description="The team after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return team_partition_key(self.snapshot.id)

    def aggregate_version(self) -> int:
        return self.snapshot.version
