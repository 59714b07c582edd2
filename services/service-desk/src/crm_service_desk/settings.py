"""Service-desk settings: the shared ones plus what only service-desk needs (env ``CRM_*``)."""

from __future__ import annotations

import os
import tempfile
from typing import Self

from crm_shared.settings import CrmSettings
from pydantic import Field, SecretStr, model_validator

from crm_service_desk.domain.assignment import Strategy

DEV_CSAT_SECRET = "dev-csat-secret-change-me-0123456789"


class ServiceDeskSettings(CrmSettings):
    service_name: str = "service-desk"
    http_port: int = 8003
    worker_web_port: int = 6103

    csat_secret: str = DEV_CSAT_SECRET
    """Signs the satisfaction-survey links (HMAC-SHA256 via itsdangerous)."""
    csat_ttl_s: int = Field(default=14 * 24 * 3600, gt=0)
    """How long after the ticket was solved its survey link works."""
    csat_base_url: str = "http://127.0.0.1:8003/csat/"
    """Public URL prefix of the survey; the token is appended."""
    kb_public_base_url: str = ""
    """Public URL prefix of knowledge-base articles (the help page), the article id appended;
    empty: this API's own address (local runs, on whatever port they have)."""

    sla_scan_interval_s: float = Field(default=5.0, gt=0)
    offboarding_sweep_interval_s: float = Field(default=600.0, gt=0)
    """How often deactivated agents' tickets are checked again (the event does it first)."""
    """How often the worker looks for SLA warnings and breaches that fell due."""
    sla_warning_share: float = Field(default=0.8, gt=0, lt=1)
    """Default share of a target at which a warning is published (a policy may override)."""
    sla_claim_lease_s: float = Field(default=30.0, gt=0)
    """After this long an unfinished SLA claim (its worker died) may be taken over."""

    sla_default_policy: bool = True
    """Create the default SLA policy (every priority, business hours) at start if it is missing."""
    sla_default_timezone: str = "UTC"
    """Time zone of the default policy's business hours (when it is created; then edit the policy)."""

    assignment_strategy: Strategy = "round_robin"
    """Automatic assignment within a group: ``round_robin`` or ``least_open``."""

    # -- e-mail: inbound gateway (worker) and replies (events mailed by notifications) ----
    support_addresses: str = "support@crm.invalid"
    """Comma list of the addresses the gateway accepts mail for (others: 550 at RCPT)."""
    support_from: str = "CRM Support <support@crm.invalid>"
    """From and Reply-To of replies mailed to requesters (an address above)."""
    mail_log_secret: SecretStr = SecretStr("dev-mail-log-secret-change-me")
    """Signs users' sales-mail logging addresses (``log+<user>.<sig>@<mail_domain>``)."""
    mail_domain: str = "crm.invalid"
    """Right side of our Message-IDs; mail from this domain is never turned into tickets."""
    inbound_smtp_host: str = "127.0.0.1"
    inbound_smtp_port: int = Field(default=-1, ge=-1, le=65535)
    """The worker's SMTP listener: -1 off, 0 any free port (tests), else that port (e.g. 2525)."""
    inbound_max_message_bytes: int = Field(default=30 * 1024 * 1024, gt=0)
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    attachments_max_total_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    blob_dir: str = Field(default_factory=lambda: _state_path("blobs", "service-desk"))
    """Local folder of the attachments' blob store, shared by the API (downloads) and the
    worker (inbound mail); default ``$CRM_STATE_DIR/blobs/service-desk`` or under the
    system's temporary folder, never the working directory (production: a volume, or an
    S3-compatible bucket behind the same port)."""
    contacts_url: str = "http://127.0.0.1:8001"
    """contacts' API (env ``CRM_CONTACTS_URL``): who a sender is, new people for unknown ones."""
    imap_host: str | None = None
    """Poll this mailbox instead of (or besides) the SMTP listener; unset: no polling."""
    imap_port: int = 993
    imap_ssl: bool = True
    imap_username: str = ""
    imap_password: SecretStr = SecretStr("")
    imap_folder: str = "INBOX"
    imap_poll_interval_s: float = Field(default=30.0, gt=0)

    @property
    def kb_public_base(self) -> str:
        return self.kb_public_base_url or f"http://127.0.0.1:{self.http_port}/help/articles/"

    @property
    def support_address_list(self) -> list[str]:
        return [a.strip().lower() for a in self.support_addresses.split(",") if a.strip()]

    @model_validator(mode="after")
    def _production_csat_secret(self) -> Self:
        if self.env == "production" and (self.csat_secret == DEV_CSAT_SECRET or len(self.csat_secret) < 32):
            raise ValueError("CRM_CSAT_SECRET must be set to a random value of at least 32 characters in production")
        return self


def _state_path(*parts: str) -> str:
    return os.path.join(os.environ.get("CRM_STATE_DIR") or tempfile.gettempdir(), *parts)
