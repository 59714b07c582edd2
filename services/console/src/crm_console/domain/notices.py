"""Change notices: what the browser learns about a business event, and whom it concerns.

A notice names the record (topic, id, version), its customer and who changed it; never
the record's content. The browser refetches through the APIs, where the services'
permission rules apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TOPICS = ("customer", "deal", "ticket", "lead")

OWNER_FIELDS = {"customer": "owner_id", "deal": "owner_id", "ticket": "assignee_id", "lead": "owner_id"}
"""Who a record concerns for the bell: the customer's account owner, the deal's and the
lead's owner, the ticket's assignee (the same people the notification routing rules name
as ``owner`` / ``assignee``)."""


@dataclass(frozen=True)
class Notice:
    position: int
    """This process's arrival order: the SSE ``id`` (resumable with ``Last-Event-ID``)."""
    event_id: str
    topic: str
    type: str
    id: str
    customer_id: str
    version: int
    actor_id: str
    actor_department: str | None
    time: str
    concerned: frozenset[str] = field(default_factory=frozenset)
    title: str = ""

    def payload(self, *, actor_name: str | None) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "type": self.type,
            "id": self.id,
            "customer_id": self.customer_id,
            "version": self.version,
            "time": self.time,
            "actor": {"id": self.actor_id, "department": self.actor_department, "name": actor_name},
        }


def parse_actor(raw: str) -> tuple[str, str | None]:
    """``kind:id@department`` (the envelope's actor attribute) -> (id, department)."""
    _, _, rest = raw.partition(":")
    rest = rest or raw
    actor_id, _, department = rest.partition("@")
    return actor_id, department or None


def topic_of(event_type: str) -> str | None:
    parts = event_type.split(".")
    return parts[1] if len(parts) >= 3 and parts[0] == "crm" and parts[1] in TOPICS else None


def concerned_users(topic: str, event_type: str, data: dict[str, Any], actor_id: str) -> frozenset[str]:
    """The people the bell tells: the record's owner (or assignee), and on a reassignment
    the previous one too; never the person who made the change."""
    snapshot = data.get("snapshot") or {}
    people = {snapshot.get(OWNER_FIELDS[topic])}
    if event_type in ("crm.ticket.assigned", "crm.lead.assigned"):
        people.add(data.get("previous_assignee_id") or data.get("previous_owner_id"))
    return frozenset(str(p) for p in people if p and p != actor_id)


_TITLES = {
    "crm.deal.stage_changed": "Deal “{name}” moved to {stage}",
    "crm.deal.won": "Deal “{name}” won",
    "crm.deal.lost": "Deal “{name}” lost",
    "crm.deal.follow_up_due": "Deal “{name}” needs a follow-up",
    "crm.ticket.sla_warning": "Ticket “{subject}” is close to its SLA deadline",
    "crm.ticket.sla_breached": "Ticket “{subject}” breached its SLA",
    "crm.ticket.assigned": "Ticket “{subject}” assigned",
    "crm.ticket.commented": "New comment on ticket “{subject}”",
    "crm.lead.assigned": "Lead assigned to you",
}


def bell_title(event_type: str, data: dict[str, Any]) -> str:
    """A short English line (the browser may translate by ``type``): business names only,
    never a person's details."""
    snapshot = data.get("snapshot") or {}
    template = _TITLES.get(event_type)
    if template is None:
        noun, _, verb = event_type.removeprefix("crm.").partition(".")
        return f"{noun.capitalize()} {verb.replace('_', ' ')}"
    return template.format(
        name=snapshot.get("name", ""), stage=snapshot.get("stage", ""), subject=snapshot.get("subject", "")
    )


def notice_from_event(event: dict[str, Any], position: int) -> Notice | None:
    """The notice for one CloudEvent (JSON form), or None for topics the console ignores."""
    event_type = str(event.get("type", ""))
    topic = topic_of(event_type)
    if topic is None:
        return None
    data = event.get("data") or {}
    actor_id, department = parse_actor(str(event.get("actor", "")))
    return Notice(
        position=position,
        event_id=str(event.get("id")),
        topic=topic,
        type=event_type,
        id=str(event.get("subject")),
        customer_id=str(event.get("customerid")),
        version=int(event.get("sequence") or 0),
        actor_id=actor_id,
        actor_department=department,
        time=str(event.get("time")),
        concerned=concerned_users(topic, event_type, data, actor_id),
        title=bell_title(event_type, data),
    )
