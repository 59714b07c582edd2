"""Marketing's settings: the shared ones plus its own (env ``CRM_*``)."""

from __future__ import annotations

from crm_shared.settings import CrmSettings
from pydantic import Field, SecretStr


class MarketingSettings(CrmSettings):
    service_name: str = "marketing"
    http_port: int = 8007
    worker_web_port: int = 6107

    public_base_url: str = "http://127.0.0.1:8007"
    """Where recipients reach this API (the one-click unsubscribe links point here)."""
    unsubscribe_secret: SecretStr = SecretStr("dev-only-unsubscribe-secret-change-me")
    """Signs the per-recipient unsubscribe links (HMAC); rotate to invalidate every link."""

    # The one e-mail path (crm_shared.smtp): the same SMTP relay notifications uses.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout_s: float = Field(default=15.0, gt=0)
    mail_from: str = "CRM <marketing@crm.local>"
    message_id_domain: str = "crm.local"
    smtp_connections: int = Field(default=4, ge=1, le=64)

    per_domain_rate: float = Field(default=50.0, gt=0)
    """Messages per second to one recipient domain (big providers throttle bulk senders)."""
    segment_refresh_s: float = Field(default=1.0, gt=0)
    """How often the worker reloads segment definitions (and backfills a changed one)."""
    campaign_scan_s: float = Field(default=1.0, gt=0)
    """How often the worker looks for campaigns due to be sent."""
    preview_scan_limit: int = Field(default=200_000, ge=1)
    """Most profiles a preview or a backfill reads: a guard, not a page size."""

    contacts_url: str = "http://127.0.0.1:8001"
    contacts_write_back: bool = True
    """A withdrawal or objection recorded here is written to the customer's consent fields in contacts."""
    sales_url: str = "http://127.0.0.1:8002"
    """Sales' API: web forms create leads there (its assignment rules route them)."""
    sales_timeout_s: float = Field(default=5.0, gt=0)
    form_submissions_per_minute: int = Field(default=5, ge=1)
    """Per client IP and API instance: a flood from one address is refused (429)."""
    form_token_min_age_s: float = Field(default=2.0, ge=0)
    """A form posted sooner after its token was issued is a bot's."""
    form_token_max_age_s: int = Field(default=24 * 3600, ge=60)
