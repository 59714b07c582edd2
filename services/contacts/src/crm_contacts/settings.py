"""Contacts' settings: the shared ones plus what only contacts needs."""

from __future__ import annotations

from crm_shared.settings import CrmSettings


class ContactsSettings(CrmSettings):
    service_name: str = "contacts"
    http_port: int = 8001
    worker_web_port: int = 6101
