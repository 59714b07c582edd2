"""Who may do what with tickets (tested as a matrix in tests/unit/test_permissions.py).

| who                   | read                                     | work*   | internal comments |
|-----------------------|------------------------------------------|---------|-------------------|
| admin                 | all                                      | all     | yes               |
| service + manager     | all                                      | all     | yes               |
| service (agent)       | their groups, assigned to them, ungrouped | same    | yes               |
| sales                 | tickets of customers they own            | no      | no                |
| sales + manager       | all                                      | no      | no                |
| integration account   | all                                      | no**    | no                |
| anyone else           | nothing                                  | no      | no                |

* update, change status, assign, comment as an agent. ** integrations open tickets
and relay requester replies. Configuration (SLA policies, groups) and reports:
admins and service managers.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.auth import Principal, Role

from crm_service_desk.domain.ticket import Ticket

INTERNAL_ROLES = frozenset({Role.SERVICE, Role.ADMIN})
"""The service desk's role set: the only roles that ever see internal comments."""


def is_service_manager(p: Principal) -> bool:
    return p.is_admin or (p.has(Role.SERVICE) and p.has(Role.MANAGER))


def is_integration(p: Principal) -> bool:
    return p.has(Role.INTEGRATION) and not p.has(Role.SERVICE, Role.ADMIN)


def can_see_internal(p: Principal) -> bool:
    return p.has(*INTERNAL_ROLES)


def can_configure(p: Principal) -> bool:
    return is_service_manager(p)


def can_view_reports(p: Principal) -> bool:
    return is_service_manager(p)


def can_create(p: Principal) -> bool:
    return p.has(Role.ADMIN, Role.SERVICE, Role.INTEGRATION)


@dataclass(frozen=True)
class Scope:
    """Which tickets a principal may see, as a filter the repository can apply."""

    everything: bool = False
    groups: tuple[str, ...] = ()
    assignee: str | None = None
    ungrouped: bool = False
    customer_owner: str | None = None
    """Sales: tickets of customers this user owns (looked up in the customer replica)."""

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.groups or self.assignee or self.ungrouped or self.customer_owner)


def read_scope(p: Principal) -> Scope:
    if is_service_manager(p) or is_integration(p):
        return Scope(everything=True)
    if p.has(Role.SERVICE):
        return Scope(groups=p.teams, assignee=p.sub, ungrouped=True)
    if p.has(Role.SALES):
        return Scope(everything=True) if p.has(Role.MANAGER) else Scope(customer_owner=p.sub)
    return Scope()


def in_scope(scope: Scope, ticket: Ticket, *, customer_owner: str | None) -> bool:
    return (
        scope.everything
        or (ticket.group is not None and ticket.group in scope.groups)
        or (scope.assignee is not None and ticket.assignee_id == scope.assignee)
        or (scope.ungrouped and ticket.group is None)
        or (scope.customer_owner is not None and customer_owner == scope.customer_owner)
    )


def can_read(p: Principal, ticket: Ticket, *, customer_owner: str | None) -> bool:
    return in_scope(read_scope(p), ticket, customer_owner=customer_owner)


def can_work(p: Principal, ticket: Ticket) -> bool:
    """Update, change status, assign, comment as an agent."""
    if is_service_manager(p):
        return True
    if not p.has(Role.SERVICE):
        return False
    return in_scope(Scope(groups=p.teams, assignee=p.sub, ungrouped=True), ticket, customer_owner=None)


def can_reply_as_requester(p: Principal) -> bool:
    """E-mail and chat gateways post the customer's replies."""
    return is_integration(p) or p.is_admin


# -- macros and the knowledge base -------------------------------------------------
# | who                          | use (see, preview) a macro                 | manage a macro                     |
# | admin                        | all                                        | all                                |
# | service + manager (team lead)| global, their teams', their own            | their teams', their own            |
# | service (agent)              | global, their teams', their own            | their own (personal)               |
# | anyone else                  | nothing                                    | nothing                            |
# Articles: service agents and admins edit (drafts included); service managers and
# admins publish, unpublish, archive and restore; everyone signed in reads published ones.


def can_use_macro(p: Principal, *, scope: str, team: str | None, owner_id: str | None) -> bool:
    if p.is_admin:
        return True
    if not p.has(Role.SERVICE):
        return False
    if scope == "personal":
        return owner_id == p.sub
    return scope == "global" or team in p.teams


def can_manage_macro(p: Principal, *, scope: str, team: str | None, owner_id: str | None) -> bool:
    if p.is_admin:
        return True
    if not p.has(Role.SERVICE):
        return False
    if scope == "personal":
        return owner_id == p.sub
    return scope == "team" and p.has(Role.MANAGER) and team in p.teams


def can_edit_articles(p: Principal) -> bool:
    """Write drafts and read unpublished articles."""
    return p.has(Role.SERVICE, Role.ADMIN)


def can_publish_articles(p: Principal) -> bool:
    return is_service_manager(p)
