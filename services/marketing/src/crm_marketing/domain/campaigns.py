"""An e-mail campaign: its definition, its templates (sandboxed Jinja2) and its lifecycle.

``draft`` → ``scheduled`` (now or at ``send_at``) → ``sending`` → ``sent``. Recipients
are resolved when sending starts, never when the campaign is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from crm_marketing.domain.consent import PURPOSE_PATTERN

Status = Literal["draft", "scheduled", "sending", "sent"]
MAX_TEXT = 100_000
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")

_PLAIN = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_HTML = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
SAMPLE = {"first_name": "Ada", "unsubscribe_url": "https://example.invalid/u/token", "campaign": "Sample"}
"""What templates may use: ``first_name`` (may be empty), ``unsubscribe_url``, ``campaign``."""


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    segment_id: str = Field(min_length=1, max_length=64)
    purpose: str = Field(
        default="marketing", pattern=PURPOSE_PATTERN, description="The list: what consent is asked for."
    )
    subject: str = Field(min_length=1, max_length=250)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    html: str | None = Field(default=None, max_length=MAX_TEXT)
    track_opens: bool = Field(default=False, description="A 1x1 image in the HTML (where the ledger allows tracking).")
    track_clicks: bool = Field(
        default=False, description="Links through a redirect (where the ledger allows tracking)."
    )

    @model_validator(mode="after")
    def _templates_render(self) -> CampaignIn:
        for part in ("subject", "text", "html"):
            source = getattr(self, part)
            if source is not None:
                try:
                    (_HTML if part == "html" else _PLAIN).from_string(source).render(SAMPLE)
                except TemplateError as exc:
                    raise ValueError(f"{part}: {exc}") from exc
        return self


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    send_at: AwareDatetime | None = Field(default=None, description="Absent: now.")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def render(campaign: dict[str, Any], context: dict[str, Any]) -> Rendered:
    subject = _LINE_BREAKS.sub(" ", _PLAIN.from_string(campaign["subject"]).render(context)).strip()[:250]
    text = _PLAIN.from_string(campaign["text"]).render(context)[:MAX_TEXT]
    html = _HTML.from_string(campaign["html"]).render(context)[:MAX_TEXT] if campaign.get("html") else None
    return Rendered(subject=subject, text=text, html=html)


def due(campaign: dict[str, Any], now: datetime) -> bool:
    if campaign.get("status") == "sending":
        return True  # a run that stopped half-way (the send log keeps it exactly-once)
    send_at = campaign.get("send_at")
    return campaign.get("status") == "scheduled" and (send_at is None or _aware(send_at) <= now)


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
