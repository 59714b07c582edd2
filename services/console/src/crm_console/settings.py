"""The console's settings: the shared ones plus sessions, sign-in and the services it calls."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from crm_shared.settings import CrmSettings
from pydantic import Field, model_validator

DEV_SESSION_SECRET = "dev-console-session-secret-change-me-0123456789"
_SOURCE_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"

UPSTREAMS = ("contacts", "sales", "service-desk", "notifications", "insights", "directory", "marketing")
"""The services the browser reaches through ``/api/{service}/...``."""


class ConsoleSettings(CrmSettings):
    service_name: str = "console"
    http_port: int = 8000
    max_concurrent_requests: int = Field(default=512, ge=1)
    """Every open live stream holds one slot of the admission limit (only paths ending in
    ``/events`` are exempt there), and proxied calls mostly wait on the services."""

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Bodies pass through to the services (a lead import takes up to 5 MB); each service
    still applies its own limit."""

    contacts_url: str = "http://127.0.0.1:8001"
    sales_url: str = "http://127.0.0.1:8002"
    service_desk_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    insights_url: str = "http://127.0.0.1:8005"
    directory_url: str = "http://127.0.0.1:8006"
    marketing_url: str = "http://127.0.0.1:8007"
    upstream_timeout_s: float = Field(default=30.0, gt=0)
    upstream_max_connections: int = Field(default=100, ge=1)

    session_secret: str = DEV_SESSION_SECRET
    """Signs the session cookie (the session itself stays in the console's database)."""
    session_cookie: str = "crm_session"
    session_idle_s: int = Field(default=8 * 3600, ge=60)
    session_max_s: int = Field(default=24 * 3600, ge=60)
    cookie_secure: bool | None = None
    """Secure cookies; default: in production only (development runs on plain http)."""

    oidc_issuer: str | None = None
    """OIDC issuer URL: set, the console signs users in there (authorization code + PKCE)."""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_redirect_uri: str = ""
    """This console's ``/auth/callback`` as the issuer knows it."""
    oidc_scopes: str = "openid profile email offline_access"
    dev_token_ttl_s: int = Field(default=3600, ge=60)

    web_dist_dir: str = ""
    """The built web app (``npm run build``); default: ``services/console/web/dist``."""

    live_ping_s: float = Field(default=15.0, gt=0)
    live_recent: int = Field(default=5000, ge=10)
    """Change notices kept for ``Last-Event-ID`` resumption."""
    live_queue_limit: int = Field(default=1000, ge=10)
    visibility_ttl_s: float = Field(default=5.0, ge=0)
    visibility_concurrency: int = Field(default=16, ge=1)
    bell_max: int = Field(default=200, ge=1)

    @property
    def sign_in_mode(self) -> Literal["development", "oidc"]:
        return "oidc" if self.oidc_issuer or self.env == "production" else "development"

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" if self.cookie_secure is None else self.cookie_secure

    @property
    def web_dist(self) -> Path:
        return Path(self.web_dist_dir) if self.web_dist_dir else _SOURCE_DIST

    def upstream_url(self, service: str) -> str:
        return {
            "contacts": self.contacts_url,
            "sales": self.sales_url,
            "service-desk": self.service_desk_url,
            "notifications": self.notifications_url,
            "insights": self.insights_url,
            "directory": self.directory_url,
            "marketing": self.marketing_url,
        }[service].rstrip("/")

    @model_validator(mode="after")
    def _console_production_rules(self) -> Self:
        if self.env == "production":
            if self.session_secret == DEV_SESSION_SECRET or len(self.session_secret) < 32:
                raise ValueError("CRM_SESSION_SECRET must be a real secret of 32+ characters in production")
            if not (self.oidc_issuer and self.oidc_client_id and self.oidc_redirect_uri):
                raise ValueError("production needs CRM_OIDC_ISSUER, CRM_OIDC_CLIENT_ID and CRM_OIDC_REDIRECT_URI")
        return self
