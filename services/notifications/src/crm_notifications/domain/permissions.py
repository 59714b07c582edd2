"""Who may do what in notifications (pure; one table, enforced on every route by
``entrypoints/http/deps.py``'s ``Permitted`` and again by the use cases).

| operation                                            | admin | anyone else signed in       |
|------------------------------------------------------|-------|-----------------------------|
| rules, endpoints, templates: list, read, write, preview, history | yes | 403          |
| ``/suppressions``, ``/channels``, ``/templates/builtin`` | yes | 403                       |
| ``/users``: list, create; ``PUT``/``DELETE /users/{id}`` | yes | 403                       |
| ``GET /users/{id}``, its ``/preferences`` (read, write) | any   | their own id only, else 403 |
| ``GET /me``                                          | yes   | yes (their own profile)     |
| ``/deliveries`` (search, one)                        | all   | deliveries to them only (others' filtered out / 404) |

Roles other than admin (sales, service, marketing, readonly, manager, integration) are
"anyone else": notifications' configuration routes people's mail and holds channel
credentials, so only admins manage it; everybody manages their own preferences.
"""

from __future__ import annotations

from enum import StrEnum

from crm_shared.auth import Principal
from crm_shared.errors import Forbidden


class Who(StrEnum):
    ADMIN = "admin"
    """Admins only."""
    SELF = "self"
    """The user named by the route's ``{user_id}``, or an admin."""
    OWN = "own"
    """Anyone signed in; the use case shows only their own rows (an admin's: all)."""
    ANY = "any"
    """Anyone signed in."""


PERMISSIONS: dict[tuple[str, str], Who] = {
    ("GET", "/rules"): Who.ADMIN,
    ("POST", "/rules"): Who.ADMIN,
    ("GET", "/rules/{rule_id}"): Who.ADMIN,
    ("PUT", "/rules/{rule_id}"): Who.ADMIN,
    ("DELETE", "/rules/{rule_id}"): Who.ADMIN,
    ("GET", "/rules/{rule_id}/history"): Who.ADMIN,
    ("GET", "/endpoints"): Who.ADMIN,
    ("POST", "/endpoints"): Who.ADMIN,
    ("GET", "/endpoints/{endpoint_id}"): Who.ADMIN,
    ("PUT", "/endpoints/{endpoint_id}"): Who.ADMIN,
    ("DELETE", "/endpoints/{endpoint_id}"): Who.ADMIN,
    ("GET", "/templates"): Who.ADMIN,
    ("GET", "/templates/builtin"): Who.ADMIN,
    ("PUT", "/templates/{name}/{channel}"): Who.ADMIN,
    ("DELETE", "/templates/{name}/{channel}"): Who.ADMIN,
    ("POST", "/templates/preview"): Who.ADMIN,
    ("GET", "/suppressions"): Who.ADMIN,
    ("GET", "/channels"): Who.ADMIN,
    ("GET", "/users"): Who.ADMIN,
    ("POST", "/users"): Who.ADMIN,
    ("PUT", "/users/{user_id}"): Who.ADMIN,
    ("DELETE", "/users/{user_id}"): Who.ADMIN,
    ("GET", "/users/{user_id}"): Who.SELF,
    ("GET", "/users/{user_id}/preferences"): Who.SELF,
    ("PUT", "/users/{user_id}/preferences"): Who.SELF,
    ("GET", "/me"): Who.ANY,
    ("GET", "/deliveries"): Who.OWN,
    ("GET", "/deliveries/{delivery_id}"): Who.OWN,
}


def allowed(who: Who, principal: Principal, *, user_id: str | None = None) -> bool:
    if principal.is_admin or who in (Who.ANY, Who.OWN):
        return True
    return who is Who.SELF and user_id is not None and user_id == principal.sub


def require(who: Who | None, principal: Principal, *, user_id: str | None = None) -> None:
    """Raise 403 unless ``principal`` may; ``None`` (a route not in the table) is refused."""
    if who is None:
        raise Forbidden("this operation has no permission rule")
    if not allowed(who, principal, user_id=user_id):
        raise Forbidden(
            "only an admin may manage notifications"
            if who is Who.ADMIN
            else "you may only see and change your own notification settings"
        )


def require_admin(principal: Principal) -> None:
    require(Who.ADMIN, principal)


def require_self(principal: Principal, user_id: str) -> None:
    require(Who.SELF, principal, user_id=user_id)
