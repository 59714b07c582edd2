"""Who sees which insights (pure; the service layer enforces it).

Sales figures follow the rule sales applies to its own analytics
(``services/sales/src/crm_sales/domain/permissions.py``, ``analytics``), without
importing it (services share contracts, not code): insights keeps every figure by
owner and team, and keeps the buckets a caller could see in sales.

| caller                        | sales figures               |
|-------------------------------|-----------------------------|
| admin, sales + manager, readonly | every bucket             |
| sales (rep)                   | buckets they own, or of one of their teams |
| anyone else                   | 403                         |
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.auth import Principal, Role
from crm_shared.errors import Forbidden


@dataclass(frozen=True)
class Visibility:
    everything: bool = False
    owner: str | None = None
    teams: frozenset[str] = frozenset()

    def sees(self, *, owner: str, team: str) -> bool:
        if self.everything:
            return True
        return (bool(owner) and owner == self.owner) or (bool(team) and team in self.teams)


def sales_visibility(p: Principal) -> Visibility:
    if p.is_admin or p.has(Role.READONLY) or (p.has(Role.SALES) and p.has(Role.MANAGER)):
        return Visibility(everything=True)
    if p.has(Role.SALES):
        return Visibility(owner=p.sub, teams=frozenset(p.teams))
    raise Forbidden("you may not read sales figures")


def require_target_admin(p: Principal) -> None:
    if not p.is_admin:
        raise Forbidden("only an admin sets targets")


def require_service_figures(p: Principal) -> None:
    """Service figures hold no personal data and no deal amounts: the service desk,
    admins, read-only users and sales managers see them all."""
    if not (p.is_admin or p.has(Role.SERVICE, Role.READONLY) or (p.has(Role.SALES) and p.has(Role.MANAGER))):
        raise Forbidden("you may not read service figures")


def require_customer_insights(p: Principal) -> None:
    """A customer's value and risk span every rep's deals: admins, sales managers,
    read-only users, service (churn signals) and marketing (segments) see them; a sales
    rep does not (their deals' figures are in the sales analytics)."""
    allowed = p.is_admin or p.has(Role.READONLY, Role.SERVICE, Role.MARKETING)
    if not (allowed or (p.has(Role.SALES) and p.has(Role.MANAGER))):
        raise Forbidden("you may not read customer insights")
