"""Web forms: the definition, the public submission, and its spam checks.

Three defences, none needing a third party: a signed, timestamped form token (fetched
by the page when it loads, so a token cannot be scraped once and replayed for ever, and
one used within seconds of issue is a script's), a honeypot field a person never sees
and never fills, and a rate limit per client address (:mod:`crm_marketing.adapters.ratelimit`).
"""

from __future__ import annotations

import time
from html import escape

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from crm_marketing.domain.consent import PURPOSE_PATTERN

NAME = Field(default=None, min_length=1, max_length=120)


class FormIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    purpose: str = Field(default="marketing", pattern=PURPOSE_PATTERN, description="What the consent box asks for.")
    consent_text: str = Field(min_length=1, max_length=500, description="The words next to the box (the proof).")
    source: str = Field(default="web_form", pattern=r"^[a-z][a-z0-9_\-]{0,39}$")


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    token: str = Field(min_length=10, max_length=300)
    email: EmailStr
    first_name: str | None = NAME
    last_name: str | None = NAME
    company_name: str | None = NAME
    consent: bool = False
    website: str = Field(default="", max_length=200, description="The honeypot: hidden, left empty by people.")


class FormTokens:
    def __init__(self, secret: str, *, min_age_s: float, max_age_s: int) -> None:
        self._s = TimestampSigner(secret, salt="crm.marketing.form")
        self._min = min_age_s
        self._max = max_age_s

    def issue(self, form_id: str) -> str:
        return self._s.sign(form_id.encode()).decode()

    def check(self, token: str, form_id: str) -> str | None:
        """None if the token is good for this form now, else why not."""
        try:
            value, issued = self._s.unsign(token, max_age=self._max, return_timestamp=True)
        except SignatureExpired:
            return "expired"
        except BadSignature:
            return "invalid"
        if value.decode() != form_id:
            return "invalid"
        if time.time() - issued.timestamp() < self._min:
            return "too_fast"
        return None


def snippet(form_id: str, *, base_url: str, consent_text: str) -> str:
    """The embeddable HTML: a plain form posting to the public endpoint; its script only
    fetches a fresh token when the page loads."""
    action = f"{base_url.rstrip('/')}/forms/{escape(form_id)}"
    return f"""<form method="post" action="{action}/submissions" data-crm-form="{escape(form_id)}">
  <input type="hidden" name="token" value="">
  <label>E-mail <input type="email" name="email" required></label>
  <label>First name <input name="first_name"></label>
  <label>Last name <input name="last_name"></label>
  <label>Company <input name="company_name"></label>
  <label><input type="checkbox" name="consent" value="true"> {escape(consent_text)}</label>
  <div style="position:absolute;left:-9999px" aria-hidden="true">
    <input name="website" tabindex="-1" autocomplete="off"></div>
  <button type="submit">Send</button>
</form>
<script>fetch("{action}/token").then(r => r.json()).then(t => {{
  document.querySelector('[data-crm-form="{escape(form_id)}"] [name=token]').value = t.token; }});</script>"""
