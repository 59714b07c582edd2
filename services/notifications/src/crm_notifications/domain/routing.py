"""Which rules match an event and who the concrete targets are (pure)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crm_shared.events import CloudEvent

from crm_notifications.domain import records
from crm_notifications.domain.conditions import all_hold
from crm_notifications.domain.models import Channel, Endpoint, Recipient, Rule, User

MANAGER_ROLE = "manager"


@dataclass(frozen=True)
class Directory:
    """The worker's view of the configuration (loaded from the store, cached)."""

    rules: tuple[Rule, ...] = ()
    users: Mapping[str, User] | None = None
    endpoints: Mapping[str, Endpoint] | None = None

    def user(self, user_id: str | None) -> User | None:
        return (self.users or {}).get(user_id) if user_id else None

    def endpoint(self, endpoint_id: str | None) -> Endpoint | None:
        return (self.endpoints or {}).get(endpoint_id) if endpoint_id else None

    def all_users(self) -> Iterable[User]:
        return (self.users or {}).values()


@dataclass(frozen=True)
class Target:
    """One (recipient, channel) a message goes to.

    ``recipient`` is what the delivery log and outcome events show: a user id, an
    e-mail address or an endpoint id, never a URL.
    """

    recipient: str
    channel: Channel
    user_id: str | None = None
    address: str | None = None
    endpoint_id: str | None = None
    mention: str | None = None


def matches(rule: Rule, event: CloudEvent) -> bool:
    return rule.enabled and fnmatch.fnmatchcase(event.type, rule.event_type) and all_hold(rule.conditions, event.data)


def matching_rules(rules: Iterable[Rule], event: CloudEvent) -> list[Rule]:
    return [r for r in rules if matches(r, event)]


def _users_for(recipient: Recipient, event: CloudEvent, directory: Directory) -> list[User]:
    data = event.data
    if recipient.kind == "user":
        found = directory.user(recipient.value)
        return [found] if found else []
    if recipient.kind == "owner":
        found = directory.user(records.owner_id(data))
        return [found] if found else []
    if recipient.kind == "assignee":
        found = directory.user(records.assignee_id(data))
        return [found] if found else []
    if recipient.kind == "role":
        return [u for u in directory.all_users() if recipient.value in u.roles]
    if recipient.kind == "team":
        return [u for u in directory.all_users() if recipient.value in u.teams]
    if recipient.kind == "group_manager":
        group = records.group_of(data)
        return [u for u in directory.all_users() if group and MANAGER_ROLE in u.roles and group in u.teams]
    return []


def _user_targets(user: User, rule: Rule, directory: Directory) -> list[Target]:
    out: list[Target] = []
    for channel in rule.channels:
        if out and rule.channel_mode == "first":
            break
        if channel == "email":
            if user.email:
                out.append(Target(recipient=user.id, channel="email", user_id=user.id, address=user.email))
        elif channel != "webhook":
            identity = user.chat.get(channel)
            endpoint = directory.endpoint(identity.endpoint_id if identity else None)
            if identity and endpoint and endpoint.enabled and endpoint.kind == channel:
                out.append(
                    Target(
                        recipient=user.id,
                        channel=channel,
                        user_id=user.id,
                        endpoint_id=endpoint.id,
                        mention=identity.handle,
                    )
                )
    return out


def targets(rule: Rule, event: CloudEvent, directory: Directory) -> list[Target]:
    """Every distinct target of ``rule`` for ``event`` (first occurrence wins)."""
    found: dict[tuple[str, str], Target] = {}
    for recipient in rule.recipients:
        batch: list[Target] = []
        if recipient.kind == "address" and recipient.value and "email" in rule.channels:
            batch = [Target(recipient=recipient.value, channel="email", address=recipient.value)]
        elif recipient.kind == "endpoint":
            endpoint = directory.endpoint(recipient.value)
            if endpoint is not None and endpoint.enabled:
                batch = [Target(recipient=endpoint.id, channel=endpoint.kind, endpoint_id=endpoint.id)]
        else:
            for user in _users_for(recipient, event, directory):
                batch += _user_targets(user, rule, directory)
        for target in batch:
            found.setdefault((target.recipient, target.channel), target)
    return list(found.values())
