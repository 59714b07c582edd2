"""Who may do what with the directory (pure; the service layer enforces it).

| who                  | users and teams                         |
|----------------------|-----------------------------------------|
| admin                | read, create, edit, deactivate, members |
| anyone signed in     | read (colleagues' names, teams, hours)  |
| integration account  | read; provision a user on first sign-in |
"""

from __future__ import annotations

from crm_shared.auth import Principal, Role
from crm_shared.errors import Forbidden


def may_manage(p: Principal) -> bool:
    return p.is_admin


def may_provision(p: Principal) -> bool:
    """The console's service account creates a user on their first sign-in."""
    return p.is_admin or (p.kind == "service" and p.has(Role.INTEGRATION))


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(f"you may not {what}")
