"""Who may do what to a customer, field by field: the one table, enforced by the services.

Roles come from the caller's token (``crm_shared.auth.Role``); ``system`` is contacts
itself (lifecycle automation). A caller with several roles gets the union. The
matrix is tested cell by cell in ``tests/unit/test_permissions.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final

from crm_shared.auth import Role
from crm_shared.errors import Forbidden

from crm_contacts.domain.customer import BUSINESS_FIELDS

SYSTEM: Final = "system"


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    MERGE = "merge"
    EXPORT = "export"
    ERASE = "erase"
    MANAGE_FIELDS = "manage_custom_fields"
    READ_HISTORY_VALUES = "read_history_values"


_EVERYONE = frozenset(
    {Role.ADMIN, Role.SALES, Role.SERVICE, Role.MARKETING, Role.READONLY, Role.MANAGER, Role.INTEGRATION, SYSTEM}
)

ACTIONS: Final[dict[Action, frozenset[str]]] = {
    Action.READ: _EVERYONE,
    Action.CREATE: frozenset({Role.ADMIN, Role.SALES, Role.SERVICE, Role.MARKETING, Role.INTEGRATION}),
    Action.UPDATE: frozenset({Role.ADMIN, Role.SALES, Role.SERVICE, Role.MARKETING, SYSTEM}),
    Action.ARCHIVE: frozenset({Role.ADMIN, Role.SALES}),
    Action.MERGE: frozenset({Role.ADMIN, Role.SALES, SYSTEM}),
    Action.EXPORT: frozenset({Role.ADMIN}),
    Action.ERASE: frozenset({Role.ADMIN}),
    Action.MANAGE_FIELDS: frozenset({Role.ADMIN}),
    # The departments that own customer records (and the system) see what a change was;
    # readonly, marketing and integrations see which fields changed, who and when.
    Action.READ_HISTORY_VALUES: frozenset({Role.ADMIN, Role.SALES, Role.SERVICE, Role.MANAGER, SYSTEM}),
}

_NAMES = frozenset({"display_name", "first_name", "last_name", "company_id", "company_name"})
_CONTACT = frozenset({"emails", "phones", "address"})
_ALL = frozenset(BUSINESS_FIELDS - {"id", "kind", "archived"})

UPDATABLE: Final[dict[str, frozenset[str]]] = {
    Role.ADMIN: _ALL,
    SYSTEM: _ALL,
    Role.SALES: _NAMES | _CONTACT | {"region", "industry", "lifecycle_stage", "tags", "custom_fields"},
    Role.SERVICE: _NAMES | _CONTACT | {"tier", "tags", "custom_fields"},
    Role.MARKETING: frozenset({"consent", "tags", "lifecycle_stage", "segment", "custom_fields"}),
}
"""Fields each role may change on an existing customer. Only admin changes the owner;
service changes contact details but not the lifecycle stage; marketing owns consent,
segment and lifecycle."""

_CREATE_BASE = _NAMES | _CONTACT | {"kind", "region", "industry", "tags", "custom_fields"}
CREATABLE: Final[dict[str, frozenset[str]]] = {
    Role.ADMIN: _ALL | {"kind"},
    Role.INTEGRATION: _ALL | {"kind"},
    Role.SALES: _CREATE_BASE | {"owner_id", "lifecycle_stage", "consent", "tier", "segment"},
    Role.SERVICE: _CREATE_BASE | {"tier", "consent"},
    Role.MARKETING: _CREATE_BASE | {"lifecycle_stage", "consent", "segment"},
}
"""Fields each role may set when creating (a sales rep becomes the owner of what they
create; a service account converting a lead sets everything)."""


def allowed(roles: Iterable[str], action: Action) -> bool:
    return bool(ACTIONS[action].intersection(roles))


def require(roles: Iterable[str], action: Action) -> None:
    roles = frozenset(roles)
    if not allowed(roles, action):
        raise Forbidden(f"your roles ({', '.join(sorted(roles)) or 'none'}) may not {action.value} customers")


OWNER_BOUND: Final = frozenset({Role.SALES})
"""Roles that may archive, merge and change the e-mails of a customer only when it is
theirs (``owner_id`` is the caller) or nobody's; another rep's customer needs a role
not bound to ownership (admin, the system; service for e-mails)."""
OWNER_BOUND_FIELDS: Final = frozenset({"emails"})


def require_owner(
    roles: Iterable[str], *, sub: str, owner_id: str | None, action: Action, fields: Iterable[str] = ()
) -> None:
    """403 when only an owner-bound role grants ``action`` on another rep's customer."""
    if owner_id is None or owner_id == sub:
        return
    roles = frozenset(roles)
    unbound = roles - OWNER_BOUND
    if action is Action.UPDATE:
        bound = OWNER_BOUND_FIELDS.intersection(fields)
        if not bound or bound <= _fields_for(UPDATABLE, unbound):
            return
        what = f"change the {', '.join(sorted(bound))} of"
    else:
        if allowed(unbound, action):
            return
        what = action.value
    raise Forbidden(f"your roles ({', '.join(sorted(roles))}) may not {what} a customer another rep owns")


def _fields_for(table: dict[str, frozenset[str]], roles: Iterable[str]) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for role in roles:
        out |= table.get(role, frozenset())
    return out


def forbidden_fields(roles: Iterable[str], fields: Iterable[str], *, creating: bool) -> list[str]:
    table = CREATABLE if creating else UPDATABLE
    permitted = _fields_for(table, roles)
    return sorted(set(fields) - permitted)


def require_fields(roles: Iterable[str], fields: Iterable[str], *, creating: bool) -> None:
    """403 naming each field the caller may not set (nothing is written)."""
    roles = frozenset(roles)
    require(roles, Action.CREATE if creating else Action.UPDATE)
    denied = forbidden_fields(roles, fields, creating=creating)
    if denied:
        verb = "set" if creating else "change"
        raise Forbidden(
            f"your roles ({', '.join(sorted(roles))}) may not {verb} {', '.join(denied)}",
            errors=[
                {"loc": [f], "msg": f"not allowed to {verb} this field", "type": "forbidden_field"} for f in denied
            ],
        )
