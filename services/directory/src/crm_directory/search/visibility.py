"""What a caller may find: the owning services' own permission rules, at query time.

Each kind is asked of the service that owns it, through its pure domain module
(``crm_contacts.domain.permissions``, ``crm_sales.domain.permissions``,
``crm_service_desk.domain.permissions``): the same functions those services' lists
call, so search cannot drift from them. Their answer (a scope: everything, nothing,
or owner/team/group/assignee terms) becomes a :class:`Visibility`, which an index
adapter turns into a filter of its own query language (tantivy here, a ``bool``/
``terms`` filter in OpenSearch), like each service's repository turns it into a
store filter. A change of a rule in a service changes search on the next deploy.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_contacts.domain import permissions as contacts
from crm_sales.domain import permissions as sales
from crm_service_desk.domain import permissions as service_desk
from crm_shared.auth import Principal


@dataclass(frozen=True)
class KindFilter:
    everything: bool = False
    terms: tuple[tuple[str, str], ...] = ()
    """Any of these ``(acl field, value)`` pairs makes a document visible."""

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.terms


Visibility = dict[str, KindFilter]
"""Kind → which of its documents the caller may see (a missing kind: none)."""

ALL = KindFilter(everything=True)


def _sales(scope: sales.Scope) -> KindFilter:
    if scope.everything:
        return ALL
    terms = [("team", t) for t in scope.teams]
    if scope.owner_id is not None:
        terms.append(("owner", scope.owner_id))
    return KindFilter(terms=tuple(terms))


def _tickets(scope: service_desk.Scope) -> KindFilter:
    if scope.everything:
        return ALL
    terms = [("group", g) for g in scope.groups]
    if scope.assignee is not None:
        terms.append(("assignee", scope.assignee))
    if scope.ungrouped:
        terms.append(("group", UNGROUPED))
    if scope.customer_owner is not None:
        terms.append(("customer_owner", scope.customer_owner))
    return KindFilter(terms=tuple(terms))


UNGROUPED = "-"
"""The ``group`` term of a ticket in no group (so "ungrouped" is a term like the others)."""


def visibility(p: Principal) -> Visibility:
    customers = ALL if contacts.allowed(p.roles, contacts.Action.READ) else KindFilter()
    seen: Visibility = {
        "company": customers,
        "person": customers,
        "lead": _sales(sales.lead_read(p)),
        "deal": _sales(sales.deal_read(p)),
        "ticket": _tickets(service_desk.read_scope(p)),
        "user": ALL if p.kind == "user" or p.is_admin else KindFilter(),
    }
    return {kind: f for kind, f in seen.items() if not f.nothing}
