"""Business events → search documents (pure).

One document per record: customers (companies and people), leads, deals, tickets and
the directory's users. A document carries what is matched (``text``), what is shown
(``title``, ``subtitle``) and what the owning service's permission rules look at
(``acl``: owner, team, group, assignee, the customer's owner): the rules themselves are
applied at query time (:mod:`.visibility`). Ticket comments are never indexed: an
internal note cannot leak through search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crm_shared.events import EventData
from crm_shared.events.customer import CustomerSnapshot
from crm_shared.events.deal import DealSnapshot
from crm_shared.events.directory import UserSnapshot
from crm_shared.events.lead import LeadSnapshot
from crm_shared.events.ticket import TicketSnapshot

KINDS = ("company", "person", "lead", "deal", "ticket", "user")


@dataclass(frozen=True)
class SearchDoc:
    kind: str
    id: str
    version: int
    title: str
    subtitle: str = ""
    text: str = ""
    customer_id: str = ""
    acl: dict[str, str] = field(default_factory=dict)
    """``owner``, ``team``, ``group``, ``assignee``, ``customer_owner`` (absent: none)."""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def _join(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def _acl(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


def from_event(data: EventData) -> tuple[str, int, SearchDoc | None] | None:
    """(key, version, document) of an event's snapshot: the document is None when the
    record is to leave the index (archived, deactivated); None for an event without one."""
    snapshot = getattr(data, "snapshot", None)
    if isinstance(snapshot, CustomerSnapshot):
        return f"{snapshot.kind}:{snapshot.id}", snapshot.version, customer_doc(snapshot)
    if isinstance(snapshot, LeadSnapshot):
        return f"lead:{snapshot.id}", snapshot.version, lead_doc(snapshot)
    if isinstance(snapshot, DealSnapshot):
        return f"deal:{snapshot.id}", snapshot.version, deal_doc(snapshot)
    if isinstance(snapshot, TicketSnapshot):
        return f"ticket:{snapshot.id}", snapshot.version, ticket_doc(snapshot, customer_owner=None)
    if isinstance(snapshot, UserSnapshot):
        return f"user:{snapshot.id}", snapshot.version, user_doc(snapshot)
    return None


def customer_doc(s: CustomerSnapshot) -> SearchDoc | None:
    if s.archived:
        return None
    place = s.address.city if s.address is not None else None
    return SearchDoc(
        kind=s.kind,
        id=s.id,
        version=s.version,
        title=s.display_name,
        subtitle=_join(s.company_name if s.company_name != s.display_name else None, place),
        text=_join(s.display_name, s.first_name, s.last_name, s.company_name, *s.emails, *s.phones, place),
        customer_id=s.id,
        acl=_acl(owner=s.owner_id),
    )


def lead_doc(s: LeadSnapshot) -> SearchDoc:
    name = _join(s.first_name, s.last_name)
    return SearchDoc(
        kind="lead",
        id=s.id,
        version=s.version,
        title=name or s.company_name or s.email or s.id,
        subtitle=_join(s.company_name, s.status),
        text=_join(name, s.company_name, s.email, s.phone),
        customer_id=s.customer_id or "",
        acl=_acl(owner=s.owner_id, team=s.team),
    )


def deal_doc(s: DealSnapshot) -> SearchDoc:
    return SearchDoc(
        kind="deal",
        id=s.id,
        version=s.version,
        title=s.name,
        subtitle=_join(s.status, f"{s.amount} {s.currency}"),
        text=s.name,
        customer_id=s.customer_id,
        acl=_acl(owner=s.owner_id, team=s.team),
    )


def ticket_doc(s: TicketSnapshot, *, customer_owner: str | None) -> SearchDoc:
    return SearchDoc(
        kind="ticket",
        id=s.id,
        version=s.version,
        title=s.subject,
        subtitle=_join(s.status, s.priority),
        text=_join(s.subject, s.requester_email),
        customer_id=s.customer_id,
        acl=_acl(group=s.group, assignee=s.assignee_id, customer_owner=customer_owner),
    )


def user_doc(s: UserSnapshot) -> SearchDoc | None:
    if not s.active:
        return None
    return SearchDoc(
        kind="user",
        id=s.id,
        version=s.version,
        title=s.name,
        subtitle=_join(s.title, *s.teams),
        text=_join(s.name, s.email, s.title),
    )
