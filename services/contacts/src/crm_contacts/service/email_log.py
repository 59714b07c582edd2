"""Sales e-mails on a customer's timeline: the e-mail gateway (service-desk) posts each
message a user BCC'd or forwarded to their logging address, once per customer it
involves. The entry is keyed by (message, customer): a retried post adds nothing.

It lands where every other timeline entry lives (the 360 projection), so the 360 view
shows it, ``Last-Event-ID`` replays it, and the customer's erasure purges it with the rest.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from crm_shared.errors import Forbidden, NotFound
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import ProjectionRepository, TimelineEntry
from crm_contacts.service.projection import ProjectionService

EVENT_TYPE = "crm.email.logged"
_NS = uuid.UUID("8f1d2c3b-6a4e-4f5d-9c8b-7a6e5d4c3b2a")
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]


class LoggedEmail(BaseModel):
    """``POST /customers/{id}/emails`` (the e-mail gateway's service account only)."""

    model_config = ConfigDict(extra="forbid")

    message_id: Annotated[str, StringConstraints(min_length=3, max_length=998)]
    direction: Literal["in", "out"]
    """``in``: the customer wrote; ``out``: our user wrote to the customer."""
    logged_by: Short
    """The user whose logging address received it."""
    sender: Short
    to: list[Short] = Field(default_factory=list, max_length=50)
    subject: Annotated[str, StringConstraints(max_length=250)] = ""
    snippet: Annotated[str, StringConstraints(max_length=280)] = ""
    sent_at: AwareDatetime


def summary(mail: LoggedEmail) -> str:
    who = mail.sender if mail.direction == "in" else ", ".join(mail.to[:3])
    verb = "E-mail from" if mail.direction == "in" else "E-mail to"
    return f"{verb} {who}: {mail.subject or '(no subject)'}"


class EmailLogService:
    def __init__(self, *, projection: ProjectionService, projections: ProjectionRepository) -> None:
        self._projection = projection
        self._p = projections

    async def log(self, caller: Caller, customer_id: str, mail: LoggedEmail) -> tuple[dict[str, Any], bool]:
        """The entry as a live event, and whether it is new."""
        if not ({"integration", "admin"} & set(caller.roles)):
            raise Forbidden("only the e-mail gateway logs e-mails")
        target = await self._projection.resolve(customer_id)  # a merged-away customer: its survivor
        if target is None:
            raise NotFound(f"customer {customer_id} was erased")
        entry_id = str(uuid.uuid5(_NS, f"{mail.message_id}\x1f{target}"))
        event = _event(entry_id, target, mail)
        added = await self._p.add_timeline(
            TimelineEntry(
                event_id=entry_id,
                customer_id=target,
                time=mail.sent_at,
                type=EVENT_TYPE,
                summary=summary(mail),
                event=event,
            )
        )
        if added:
            await self._p.touch(target, mail.sent_at)
        return event, added


def _event(entry_id: str, customer_id: str, mail: LoggedEmail) -> dict[str, Any]:
    """The entry in the CloudEvent shape the timeline and the live stream carry."""
    at: datetime = mail.sent_at
    return {
        "id": entry_id,
        "type": EVENT_TYPE,
        "source": "/service-desk/mail",
        "subject": customer_id,
        "customerid": customer_id,
        "time": at.isoformat(),
        "actor": f"user:{mail.logged_by}",
        "data": mail.model_dump(mode="json"),
    }
