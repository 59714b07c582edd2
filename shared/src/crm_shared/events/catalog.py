"""Imports every event module, so the registry is complete once this is imported.

``crm_shared.events`` imports it: importing the package is enough.
"""

from __future__ import annotations

from crm_shared.events import catalogue, customer, deal, directory, lead, marketing, notification, quote, ticket

EVENT_MODULES = (customer, lead, deal, ticket, notification, directory, marketing, quote, catalogue)
"""In catalogue order (the order of the docs)."""

PUBLISHERS: dict[str, str] = {
    "customer": "contacts",
    "lead": "sales",
    "deal": "sales",
    "ticket": "service-desk",
    "notification": "notifications",
    "quote": "sales",
    "catalogue": "sales",
    "segment": "marketing",
    "consent": "marketing",
    "directory": "directory",
    "revocation": "every API (POST /admin/revocations, admins)",
}
"""Logical topic -> the only service that publishes to it."""

SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    "customer": ("sales", "service-desk", "notifications", "console", "marketing"),
    "lead": ("notifications", "console"),
    "deal": ("contacts", "service-desk", "notifications", "console", "insights", "marketing"),
    "ticket": ("contacts", "notifications", "console", "marketing"),
    "notification": (),
    "quote": ("contacts", "notifications"),
    "catalogue": (),
    "segment": (),
    "consent": (),
    "directory": ("notifications", "console"),
}
"""Logical topic -> the CRM services consuming it (DESIGN.md), for the AsyncAPI doc."""
