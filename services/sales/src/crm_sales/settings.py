"""Sales' settings: the shared ones plus what only sales needs (env ``CRM_*``)."""

from __future__ import annotations

from datetime import timedelta

from crm_shared.settings import CrmSettings
from pydantic import Field, model_validator

DEV_QUOTE_LINK_SECRET = "dev-quote-link-secret-change-me-0123456789"


class SalesSettings(CrmSettings):
    service_name: str = "sales"
    http_port: int = 8002
    worker_web_port: int = 6102

    contacts_url: str = "http://127.0.0.1:8001"
    """Base URL of the contacts API (lead conversion creates/finds customers there)."""
    contacts_timeout_s: float = Field(default=5.0, gt=0)
    contacts_attempts: int = Field(default=4, ge=1, le=10)
    """Attempts per contacts call (transport errors, 429 and 5xx are retried with backoff)."""

    default_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")

    follow_up_idle_days: int = Field(default=7, ge=1)
    """A deal or lead without activity for this long gets one follow-up reminder."""
    follow_up_idle_seconds: float | None = Field(default=None, gt=0)
    """Overrides ``follow_up_idle_days`` with seconds (tests, demos)."""
    follow_up_scan_interval_s: float = Field(default=60.0, gt=0)
    follow_up_batch: int = Field(default=500, ge=1)

    conversion_resume_after_s: float = Field(default=30.0, gt=0)
    """The worker resumes a lead conversion left unfinished for this long (crash, outage)."""
    conversion_resume_interval_s: float = Field(default=15.0, gt=0)

    sales_url: str = "http://127.0.0.1:8002"
    """This API's public address (``crm dev`` sets ``CRM_SALES_URL``): the customer's quote links point here."""
    quote_link_secret: str = DEV_QUOTE_LINK_SECRET
    """Signs the customers' quote links (HMAC-SHA256, ``crm_shared.signed_links``)."""
    quote_public_url: str | None = None
    """Base of the customer's quote link (default ``{sales_url}/public/quotes/``)."""
    quote_pdf_font: str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    """Font of quote PDFs: Noto Sans CJK (Debian ``fonts-noto-cjk``) renders Latin and Chinese."""
    quote_pdf_font_index: int = Field(default=2, ge=0)
    """Face in the font collection: 2 = Noto Sans CJK SC (Simplified Chinese glyph forms)."""
    quote_pdf_max_bytes: int = Field(default=400_000, ge=10_000)
    quote_sweep_interval_s: float = Field(default=300.0, gt=0)
    """How often the worker expires sent quotes past their validity."""
    reporting_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    """Forecast and funnel totals are converted to this currency with the admin's dated rates."""

    lists_repair_interval_s: float = Field(default=30.0, gt=0)
    """The worker's incremental repair of the deal lists and board totals: a round this often
    (a round reads ~8 x 200 deals by ``{_id: $in}``; a pass over 100,000 deals, ~2,000 documents
    of lists and board, takes about two hours)."""
    lists_repair_units: int = Field(default=8, ge=1, le=1000)
    """Documents (board entry documents or list segments) checked per round."""

    replica_keys_in_parallel: int = Field(default=100, ge=1, le=100)
    """Customer records the replica's consumer applies at once (one key's in order): the
    records of a fetch (at most 100) share one read of the redirects, one of the stored
    versions and one bulk write (``crm_shared.mongo.NewerWrites``); the other consumers keep
    ``CRM_CONSUMER_KEYS_IN_PARALLEL``."""

    import_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=10_000, ge=1)

    @property
    def follow_up_idle(self) -> timedelta:
        if self.follow_up_idle_seconds is not None:
            return timedelta(seconds=self.follow_up_idle_seconds)
        return timedelta(days=self.follow_up_idle_days)

    @property
    def public_quote_base_url(self) -> str:
        return self.quote_public_url or f"{self.sales_url.rstrip('/')}/public/quotes/"

    @model_validator(mode="after")
    def _production_quote_secret(self) -> SalesSettings:
        if self.env == "production" and (
            self.quote_link_secret == DEV_QUOTE_LINK_SECRET or len(self.quote_link_secret) < 32
        ):
            raise ValueError("CRM_QUOTE_LINK_SECRET must be a random value of at least 32 characters in production")
        return self
