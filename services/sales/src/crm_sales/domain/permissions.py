"""Who may see and change what in sales (pure; the service layer enforces it).

| role                         | deals          | leads                         | rules / pipelines | analytics |
|------------------------------|----------------|-------------------------------|-------------------|-----------|
| admin                        | all, write     | all, write                    | write             | all       |
| sales + manager              | all, write     | all, write                    | read              | all       |
| sales (rep)                  | own+team, write| own+team, write; create       | -                 | own+team  |
| service                      | all, read      | -                             | -                 | -         |
| marketing                    | -              | all, read; create and import  | -                 | -         |
| readonly                     | all, read      | all, read                     | -                 | all       |
| integration (service account)| all, read      | all, read; create             | -                 | -         |
| marketing's service account  | all, read      | all, write (scores, assignment)| -                | -         |

"own+team": the record's owner is the caller, or its team is one of the caller's
teams. A record the caller may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.auth import Principal, Role
from crm_shared.errors import Forbidden


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    owner_id: str | None = None
    teams: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return not self.everything and self.owner_id is None and not self.teams

    def covers(self, *, owner_id: str | None, team: str | None) -> bool:
        if self.everything:
            return True
        return (owner_id is not None and owner_id == self.owner_id) or (team is not None and team in self.teams)


ALL = Scope(everything=True)
NONE = Scope()


def _own(p: Principal) -> Scope:
    return Scope(owner_id=p.sub, teams=tuple(p.teams))


def is_manager(p: Principal) -> bool:
    return p.has(Role.SALES) and p.has(Role.MANAGER)


def _full(p: Principal) -> bool:
    return p.is_admin or is_manager(p)


def deal_read(p: Principal) -> Scope:
    if _full(p) or p.has(Role.SERVICE, Role.READONLY, Role.INTEGRATION):
        return ALL
    return _own(p) if p.has(Role.SALES) else NONE


def deal_write(p: Principal) -> Scope:
    if _full(p):
        return ALL
    return _own(p) if p.has(Role.SALES) else NONE


def lead_read(p: Principal) -> Scope:
    if _full(p) or p.has(Role.MARKETING, Role.READONLY, Role.INTEGRATION):
        return ALL
    return _own(p) if p.has(Role.SALES) else NONE


def lead_write(p: Principal) -> Scope:
    if is_marketing_service(p):
        return ALL  # lead scoring: sets scores and hands qualified leads to the assignment rules
    return deal_write(p)


def is_marketing_service(p: Principal) -> bool:
    """Marketing's service account (``kind=service``, integration role, department marketing)."""
    return p.kind == "service" and p.has(Role.INTEGRATION) and p.department == "marketing"


def may_create_leads(p: Principal) -> bool:
    return p.is_admin or p.has(Role.SALES, Role.MARKETING, Role.INTEGRATION)


def may_create_deals(p: Principal) -> bool:
    return p.is_admin or p.has(Role.SALES)


def may_configure(p: Principal) -> bool:
    """Edit pipelines and assignment rules."""
    return p.is_admin


def may_read_rules(p: Principal) -> bool:
    return _full(p)


def analytics(p: Principal) -> Scope:
    if _full(p) or p.has(Role.READONLY):
        return ALL
    return _own(p) if p.has(Role.SALES) else NONE


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(f"you may not {what}")


def require_scope(scope: Scope, what: str) -> Scope:
    if scope.nothing:
        raise Forbidden(f"you may not {what}")
    return scope
