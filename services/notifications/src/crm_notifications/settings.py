"""Notifications' settings: the shared ones plus what only notifications needs.

Every field is set from the environment with the ``CRM_`` prefix, e.g.
``CRM_SMTP_HOST``, ``CRM_WEBHOOK_ALLOWED_HOSTS=hooks.internal,127.0.0.1``.
"""

from __future__ import annotations

from crm_shared.settings import CrmSettings
from pydantic import Field, SecretStr


class NotificationsSettings(CrmSettings):
    service_name: str = "notifications"
    http_port: int = 8004
    worker_web_port: int = 6104

    # -- e-mail (SMTP) -------------------------------------------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    """Upgrade a plain connection with STARTTLS (port 587)."""
    smtp_tls: bool = False
    """Implicit TLS from the first byte (port 465)."""
    smtp_timeout_s: float = Field(default=15.0, gt=0)
    mail_from: str = "CRM <notifications@crm.invalid>"
    message_id_domain: str = "crm.invalid"
    """Right-hand side of the deterministic ``Message-ID`` (``<delivery id@domain>``)."""

    # -- outbound HTTP (chat webhooks, generic webhooks) ---------------------------
    webhook_allowed_hosts: str = ""
    """Comma-separated host names or IP literals an operator trusts: they may be
    private or loopback and may use plain http. Empty in production, usually."""
    http_timeout_s: float = Field(default=10.0, gt=0)
    http_max_redirects: int = Field(default=3, ge=0, le=10)

    recipient_hash_secret: SecretStr = SecretStr("dev-notifications-recipient-hash-change-me")
    """Key of ``recipient_hash`` in ``crm.notification.*``: an e-mail address is published as
    its keyed hash, never as itself (docs/events/personal-data.md)."""
    delivery_id_secret: SecretStr = SecretStr("dev-notifications-delivery-id-change-me")
    """Key of the delivery ids (``domain/keys.py``): they are published and sent to receivers,
    and an unkeyed hash over the recipient would let a reader test guessed addresses. Changing
    it changes the id of every delivery not yet claimed: change it only with no event in
    flight (the legacy check below covers only the unkeyed ids)."""
    legacy_delivery_id_window_s: float = Field(default=3600.0, ge=0)
    """Events older than the first start with keyed ids plus this are also looked up under
    their old unkeyed ids before they are claimed, so a delivery an older process claimed is
    not claimed (and sent) again under its new id. Longer than a rolling upgrade takes (the
    old processes handle only events from before they stop); later events pay nothing."""

    # -- delivery ------------------------------------------------------------------
    delivery_max_attempts: int = Field(default=6, ge=1, le=50)
    delivery_retry_window_s: float = Field(default=24 * 3600.0, ge=0)
    """A transient failure (connection refused, timeout, 5xx, 429) ends a delivery only once
    it has had ``delivery_max_attempts`` attempts *and* is this old: an endpoint down for
    minutes or hours gets everything once it is back (backoff capped at ``retry_max_s``);
    a permanent failure (4xx, refused address) ends it at once."""
    retry_base_s: float = Field(default=2.0, gt=0)
    retry_max_s: float = Field(default=900.0, gt=0)
    retry_after_max_s: float = Field(default=3600.0, gt=0)
    """A ``Retry-After`` longer than this is capped (a broken endpoint cannot park us)."""
    send_concurrency: int = Field(default=16, ge=1, le=512)
    attempt_lease_s: float = Field(default=60.0, gt=0)
    """An attempt not finished after this long is taken as lost (worker crash)."""
    poll_interval_s: float = Field(default=5.0, gt=0)
    """How often the worker reads the store for due retries and deferred messages (short
    waits are timed in memory and do not need it)."""
    outcome_sweep_interval_s: float = Field(default=30.0, gt=0)
    """How often outcomes the broker missed are republished."""
    inline_requeue_max_s: float = Field(default=5.0, ge=0)
    """Waits up to this long are timed in memory; longer ones are left to the poller."""
    digest_flush_interval_s: float = Field(default=5.0, gt=0)
    retention_days: float = Field(default=30.0, gt=0)
    """Settled deliveries, flushed digest items and remembered event ids are purged after this."""
    config_cache_ttl_s: float = Field(default=5.0, ge=0)
    """How stale the worker's view of rules, users, endpoints and templates may be."""

    # -- per-endpoint rate limits (messages per second, per endpoint) --------------
    slack_rate_per_s: float = Field(default=1.0, gt=0)
    teams_rate_per_s: float = Field(default=4.0, gt=0)
    mattermost_rate_per_s: float = Field(default=10.0, gt=0)
    webhook_rate_per_s: float = Field(default=20.0, gt=0)

    # -- content -------------------------------------------------------------------
    console_url: str | None = None
    slack_signing_secret: SecretStr = SecretStr("")
    """The Slack app's signing secret: slash commands (``POST /chat/slack/commands``) are
    verified with it; empty refuses every Slack command."""
    mattermost_command_token: SecretStr = SecretStr("")
    """The Mattermost slash command's token; empty refuses every Mattermost command."""
    mattermost_actions_secret: SecretStr = SecretStr("")
    """Signs the context of the Mattermost card buttons (``POST /chat/mattermost/actions``
    checks it); empty: cards have no buttons and every action is refused."""
    public_url: str | None = None
    """This service's API as the chat server reaches it (Mattermost buttons post to
    ``{public_url}/chat/mattermost/actions``); unset: no Mattermost buttons."""
    contacts_url: str = "http://127.0.0.1:8001"
    service_desk_url: str = "http://127.0.0.1:8003"
    """Base URL of the CRM console, for links in messages (none when unset)."""
    seed_default_rules: bool = True

    @property
    def allowed_hosts(self) -> frozenset[str]:
        return frozenset(h.strip().lower().strip("[]") for h in self.webhook_allowed_hosts.split(",") if h.strip())
