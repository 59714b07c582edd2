"""What notifications manages: routing rules, endpoints, users and their preferences.

Pure pydantic models (no I/O). The ``*Spec`` models are what an admin sends; the
stored documents add ``id`` and ``version``.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator

Channel = Literal["email", "slack", "teams", "mattermost", "webhook"]
CHANNELS: tuple[Channel, ...] = ("email", "slack", "teams", "mattermost", "webhook")
EndpointKind = Literal["slack", "teams", "mattermost", "webhook"]
ChatKind = Literal["slack", "teams", "mattermost"]
Priority = Literal["low", "normal", "high", "urgent"]
Operator = Literal["eq", "ne", "in", "gt", "gte", "lt", "lte", "exists", "contains"]
RecipientKind = Literal["user", "role", "team", "owner", "assignee", "group_manager", "address", "endpoint"]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
EVENT_PATTERN = r"^[a-z0-9_.*?\[\]-]{1,100}$"
PATH_PATTERN = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+){0,9}$"
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


def valid_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not a valid e-mail address")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Model):
    """One test on the event's ``data``: ``path`` is dotted (``snapshot.priority``)."""

    path: str = Field(pattern=PATH_PATTERN, examples=["snapshot.priority"])
    op: Operator = "eq"
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Condition:
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("operator 'in' needs a list value")
        if self.op == "exists" and not isinstance(self.value, bool | None):
            raise ValueError("operator 'exists' takes true or false")
        if self.op in {"gt", "gte", "lt", "lte"} and not isinstance(self.value, int | float | str):
            raise ValueError(f"operator {self.op!r} needs a number, decimal string or date string")
        return self


class Recipient(_Model):
    """Who gets it.

    ``user`` (a user id), ``role`` and ``team`` (every user having it), ``owner`` and
    ``assignee`` (of the record the event is about), ``group_manager`` (users with the
    ``manager`` role in the record's group or team), ``address`` (an e-mail address),
    ``endpoint`` (a registered chat channel or webhook: its kind is the channel).
    """

    kind: RecipientKind
    value: str | None = None

    @model_validator(mode="after")
    def _value_when_needed(self) -> Recipient:
        needs_value = self.kind in {"user", "role", "team", "address", "endpoint"}
        if needs_value and not self.value:
            raise ValueError(f"recipient kind {self.kind!r} needs a value")
        if not needs_value and self.value:
            raise ValueError(f"recipient kind {self.kind!r} takes no value")
        return self

    @field_validator("value")
    @classmethod
    def _address_is_email(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("kind") == "address":
            return valid_email(value)
        return value


class RuleSpec(_Model):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    event_type: str = Field(pattern=EVENT_PATTERN, description="glob, e.g. `crm.ticket.*`")
    conditions: list[Condition] = Field(default_factory=list, max_length=20)
    recipients: list[Recipient] = Field(min_length=1, max_length=50)
    channels: list[Channel] = Field(
        default_factory=lambda: list[Channel](["email"]),
        description="channels for user and address recipients; an endpoint recipient is its own channel",
    )
    channel_mode: Literal["all", "first"] = Field(
        default="all", description="`first`: only the first channel (in list order) a user can receive"
    )
    template: str | None = Field(default=None, pattern=ID_PATTERN, description="template name; default: the event type")
    priority: Priority = "normal"
    digest_window_s: int = Field(default=0, ge=0, le=7 * 24 * 3600)
    category: str | None = Field(
        default=None, pattern=r"^[a-z_]{1,40}$", description="opt-out category; default: derived from the event type"
    )
    enabled: bool = True


class Rule(RuleSpec):
    id: str = Field(pattern=ID_PATTERN)
    version: int = 0


class EndpointSpec(_Model):
    """A chat channel (incoming webhook) or a generic webhook. ``url`` and ``secret``
    are secrets: the API never returns them in full."""

    name: str = Field(min_length=1, max_length=200)
    kind: EndpointKind
    url: SecretStr
    secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks signing secret (`whsec_` + base64), webhook only"
    )
    rate_per_s: float | None = Field(default=None, gt=0, le=1000)
    enabled: bool = True

    @model_validator(mode="after")
    def _secret_for_webhooks(self) -> EndpointSpec:
        if self.kind == "webhook":
            if self.secret is None:
                raise ValueError("a webhook endpoint needs a signing secret (whsec_ + base64, 24-64 bytes)")
            check_signing_secret(self.secret.get_secret_value())
        elif self.secret is not None:
            raise ValueError("only webhook endpoints are signed")
        return self


class Endpoint(EndpointSpec):
    id: str = Field(pattern=ID_PATTERN)
    version: int = 0


def check_signing_secret(secret: str) -> None:
    import base64
    import binascii

    raw = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("signing secret must be base64 (optionally prefixed whsec_)") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError("signing secret must be 24 to 64 bytes")


class ChatIdentity(_Model):
    endpoint_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="personal chat endpoint (a DM incoming webhook)"
    )
    handle: str | None = Field(
        default=None, max_length=200, description="Slack member id (U123...), Teams UPN, Mattermost username"
    )


class QuietHours(_Model):
    start: time
    end: time
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class OptOut(_Model):
    category: str = Field(pattern=r"^([a-z_]{1,40}|\*)$", description="`deal`, `ticket`, `sla`, ... or `*`")
    channel: Channel | Literal["*"] = "*"


class DigestPreference(_Model):
    enabled: bool = False
    window_s: int = Field(default=3600, ge=60, le=7 * 24 * 3600)


class Preferences(_Model):
    opt_outs: list[OptOut] = Field(default_factory=list, max_length=100)
    quiet_hours: QuietHours | None = None
    digest: DigestPreference = Field(default_factory=DigestPreference)


class UserSpec(_Model):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = None
    roles: list[str] = Field(default_factory=list, max_length=20)
    teams: list[str] = Field(default_factory=list, max_length=50)
    chat: dict[ChatKind, ChatIdentity] = Field(default_factory=dict)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return valid_email(value) if value else None


class User(UserSpec):
    id: str = Field(pattern=ID_PATTERN)
    preferences: Preferences = Field(default_factory=Preferences)
    version: int = 0


class TemplateSpec(_Model):
    """Jinja2 (sandboxed). ``subject`` is one line; ``html`` is used by e-mail only."""

    subject: str = Field(min_length=1, max_length=1000)
    text: str = Field(min_length=1, max_length=20000)
    html: str | None = Field(default=None, max_length=50000)


TEMPLATE_CHANNELS: tuple[str, ...] = ("*", *CHANNELS)
