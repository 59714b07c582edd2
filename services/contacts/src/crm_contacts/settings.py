"""Contacts' settings: the shared ones plus what only contacts needs (env ``CRM_*``)."""

from __future__ import annotations

from crm_shared.settings import CrmSettings
from pydantic import Field


class ContactsSettings(CrmSettings):
    service_name: str = "contacts"
    http_port: int = 8001
    worker_web_port: int = 6101

    default_phone_region: str = Field(default="DE", pattern=r"^[A-Za-z]{2}$")
    """Region of phone numbers written without a country code (ISO 3166-1 alpha-2)."""
    page_size: int = Field(default=50, ge=1)
    page_size_max: int = Field(default=200, ge=1)
    duplicate_name_threshold: float = Field(default=85.0, ge=0, le=100)
    lookup_key_secret: str = "dev-contacts-lookup-keys-change-me"
    """HMAC key of the e-mail and phone lookup keys (``customer_keys``): a changed secret
    rebuilds them at the next start."""
    idempotency_ttl_h: float = Field(default=24.0, gt=0)
    sweep_interval_s: float = Field(default=1.0, gt=0)
    """Pending merges, erasures and company renames are resumed this often (the outbox relay has its own)."""
    transfer_interval_s: float = Field(default=1.0, gt=0)
    """How often the API looks for queued import and export jobs (``service/transfers.py``)."""
    idempotency_purge_interval_s: float = Field(default=600.0, gt=0)
    """Idempotency keys older than ``idempotency_ttl_h`` are forgotten this often."""
    lists_repair_interval_s: float = Field(default=3600.0, gt=0)
    """The owner and region lists (``customer_lists``) are checked against the customers this often (a scan)."""
    live_enabled: bool = True
    """Tail the business topics in the API process for the SSE streams."""
    live_recent_events: int = Field(default=5000, ge=0)
    live_queue_limit: int = Field(default=1000, ge=1)
    live_ping_s: float = Field(default=15.0, gt=0)
    live_max_customers: int = Field(default=100, ge=1)
