"""Who may do what with the directory (pure; the service layer enforces it).

| who                  | users and teams                         |
|----------------------|-----------------------------------------|
| admin                | read, create, edit, deactivate, members |
| anyone signed in     | read (colleagues' names, teams, hours)  |
| integration account  | read; provision a user on first sign-in |
| the user themself    | provision themself on first sign-in (roles from their verified token, not the body) |
"""

from __future__ import annotations

from crm_shared.auth import Principal, Role
from crm_shared.errors import Forbidden


def may_manage(p: Principal) -> bool:
    return p.is_admin


def may_provision(p: Principal, user_id: str) -> bool:
    """A user on their first sign-in (the console calls with their fresh token), an admin,
    or an integration account of the identity provider."""
    return p.is_admin or (p.kind == "service" and p.has(Role.INTEGRATION)) or (p.kind == "user" and p.sub == user_id)


def self_provisioned(p: Principal, user_id: str) -> bool:
    """Provisioning oneself: what one is allowed comes from the token, never the body."""
    return not p.is_admin and p.kind == "user" and p.sub == user_id


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(f"you may not {what}")
