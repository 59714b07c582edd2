"""The consent ledger: every grant, withdrawal and objection, in order, with its legal basis.

The ledger is the history; the decision at send time is :func:`may_contact` over it.
Rules (GDPR arts. 6, 7 and 21):

- the latest entry about a purpose and channel decides (``*`` is every purpose, ``any``
  every channel), so a withdrawal takes effect at once and is as easy as the grant;
- no entry: no contact (nobody is mailed on a guess);
- an objection to direct marketing (Art. 21) stops every purpose and channel and cannot
  be overridden by legitimate interest or a contract: only a later explicit consent
  (``legal_basis="consent"``) given by the person lifts it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["granted", "withdrawn", "objected"]
Basis = Literal["consent", "legitimate_interest", "contract"]
Channel = Literal["email", "sms", "phone", "any"]
EVERY_PURPOSE = "*"
PURPOSE_PATTERN = r"^(\*|[a-z][a-z0-9_\-]{0,39})$"


class EntryIn(BaseModel):
    """One entry as a client records it."""

    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(default="marketing", pattern=PURPOSE_PATTERN)
    channel: Channel = "email"
    action: Action
    legal_basis: Basis = "consent"
    source: str = Field(default="console", min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_:\-]*$")
    proof: str | None = Field(
        default=None,
        max_length=200,
        description="A reference to the evidence (form submission id, call recording id); never the evidence itself.",
    )


def entry(data: EntryIn, *, entry_id: str, at: datetime, actor: str) -> dict[str, Any]:
    return {**data.model_dump(), "id": entry_id, "at": at, "actor": actor}


def _applies(e: dict[str, Any], purpose: str, channel: str) -> bool:
    return e["purpose"] in (purpose, EVERY_PURPOSE) and e["channel"] in (channel, "any")


def objected(entries: list[dict[str, Any]]) -> bool:
    """An Art. 21 objection stands unless a later explicit consent was given."""
    standing = False
    for e in entries:
        if e["action"] == "objected":
            standing = True
        elif e["action"] == "granted" and e["legal_basis"] == "consent":
            standing = False
    return standing


def may_contact(entries: list[dict[str, Any]], *, purpose: str, channel: str = "email") -> bool:
    if objected(entries):
        return False
    decisive = None
    for e in entries:  # in ledger order: the latest relevant entry wins
        if e["action"] != "objected" and _applies(e, purpose, channel):
            decisive = e
    return decisive is not None and decisive["action"] == "granted"


def current(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The state the ledger implies, per ``purpose/channel`` (for the console)."""
    state: dict[str, Any] = {}
    for e in entries:
        if e["action"] != "objected":
            state[f"{e['purpose']}/{e['channel']}"] = {
                "granted": e["action"] == "granted",
                "legal_basis": e["legal_basis"],
                "at": e["at"],
                "source": e["source"],
            }
    return {"purposes": state, "objected": objected(entries)}


def from_contacts(channel: str, granted: bool, source: str) -> EntryIn:
    """A change of contacts' consent field, as a ledger entry (the field is general
    marketing consent: every purpose; its ``marketing`` channel is every channel)."""
    return EntryIn(
        purpose=EVERY_PURPOSE,
        channel="any" if channel == "marketing" else channel,
        action="granted" if granted else "withdrawn",
        legal_basis="consent",
        source="contacts",
        proof=f"contacts:{source}"[:200],
    )


def contacts_channels(e: EntryIn) -> list[str]:
    """Contacts' consent fields an entry turns off: an objection every marketing channel; a
    withdrawal of marketing in general (``*`` or ``marketing``) its channel; a list's own
    withdrawal (``newsletter``) none (contacts has no lists); a grant none (only the person
    grants, in contacts or a form)."""
    if e.source == "contacts":
        return []
    if e.action == "objected":
        return ["email", "marketing", "phone", "sms"]
    if e.action == "withdrawn" and e.purpose in (EVERY_PURPOSE, "marketing"):
        return ["marketing"] if e.channel == "any" else [e.channel]
    return []
