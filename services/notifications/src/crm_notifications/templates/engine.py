"""Sandboxed Jinja2 rendering.

Two ``ImmutableSandboxedEnvironment`` instances: one without autoescape for the
subject, plain text and chat (each chat formatter escapes for its own markup), and
one with autoescape for e-mail HTML. The sandbox refuses unsafe attribute access and
mutation of the context; output is capped. Admins' templates are compiled (and
timed against a sample event) when saved; at send time a template that fails falls
back to the built-in one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import ChainableUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from crm_notifications.domain.models import TemplateSpec
from crm_notifications.domain.records import money
from crm_notifications.templates.defaults import EMAIL_LAYOUT

MAX_SUBJECT = 250
MAX_TEXT = 20_000
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")


class TemplateInvalid(ValueError):
    def __init__(self, part: str, message: str) -> None:
        super().__init__(f"{part}: {message}")
        self.part = part
        self.message = message


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def _humanise(value: Any) -> str:
    return str(value).replace("_", " ") if value is not None else ""


def _parse_dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _when(value: Any) -> str:
    parsed = _parse_dt(value)
    return parsed.strftime("%Y-%m-%d %H:%M UTC") if parsed else str(value or "")


def _day(value: Any) -> str:
    parsed = _parse_dt(value)
    return parsed.strftime("%Y-%m-%d") if parsed else str(value or "")


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """A subject is one line: any line break becomes a space (header injection is also
    refused later, by the e-mail builder)."""
    flat = " ".join(_LINE_BREAKS.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _env(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        autoescape=autoescape,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(money=money, humanise=_humanise, when=_when, day=_day)
    return env


class TemplateEngine:
    def __init__(self) -> None:
        self._text = _env(autoescape=False)
        self._html = _env(autoescape=True)
        self._layout = self._html.from_string(EMAIL_LAYOUT)

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one engine per process, sources are small
    def _compiled(self, source: str, html: bool) -> Any:
        return (self._html if html else self._text).from_string(source)

    def warm(self, specs: list[TemplateSpec]) -> None:
        """Compile ahead (start-up), so the first message of each type does not pay for it."""
        for spec in specs:
            self.check(spec)

    def check(self, spec: TemplateSpec) -> None:
        """Compile every part; TemplateInvalid names the part that fails."""
        for part, source, html in (
            ("subject", spec.subject, False),
            ("text", spec.text, False),
            ("html", spec.html, True),
        ):
            if source is None:
                continue
            try:
                self._compiled(source, html)
            except TemplateError as exc:
                raise TemplateInvalid(part, str(exc)) from exc

    def render(self, spec: TemplateSpec, context: Mapping[str, Any]) -> Rendered:
        """Render subject, text and (if the template has one) HTML. Raises TemplateError."""
        subject = one_line(self._compiled(spec.subject, False).render(context))
        text = self._compiled(spec.text, False).render(context).strip()[:MAX_TEXT]
        html = self._compiled(spec.html, True).render(context)[: MAX_TEXT * 4] if spec.html else None
        return Rendered(subject=subject, text=text, html=html)

    def layout_html(
        self, *, title: str, text: str, facts: list[tuple[str, str]], link: str | None, entries: list[Any] | None = None
    ) -> str:
        """The default e-mail HTML around a rendered message (everything escaped)."""
        return str(self._layout.render(title=title, text=text, facts=facts, link=link, entries=entries or []))
