"""Who may do what in marketing."""

from __future__ import annotations

from crm_shared.auth import Principal, Role
from crm_shared.errors import Forbidden

EDITORS = (Role.ADMIN, Role.MARKETING)
READERS = (Role.ADMIN, Role.MARKETING, Role.MANAGER, Role.READONLY)
INTEGRATIONS = (Role.ADMIN, Role.INTEGRATION)
"""Bounce and complaint reports come from the mail system's integration account."""
CONSENT_WRITERS = (Role.ADMIN, Role.MARKETING, Role.SALES, Role.SERVICE)
"""Anyone talking to the customer may record what they said (a withdrawal on the phone)."""


def require(caller: Principal, roles: tuple[Role, ...], what: str) -> None:
    if not caller.has(*roles):
        raise Forbidden(f"your role may not {what}")
