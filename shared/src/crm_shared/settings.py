"""Settings shared by every service, from the environment (prefix ``CRM_``).

A bad setting stops start-up with a message naming it. Production (``CRM_ENV=production``)
refuses every secret left at its development default (``JWT_SECRET``, contacts'
``LOOKUP_KEY_SECRET``, the console's session secret, service-desk's CSAT secret, ...).
"""

from __future__ import annotations

import os
import sys
from typing import Literal, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-secret-change-me-0123456789abcdef"


class CrmSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore", frozen=True)

    env: Literal["development", "test", "production"] = "development"
    service_name: str = "crm"

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias="KAFKA_BOOTSTRAP_SERVERS",
        description="comma-separated host:port list",
    )
    mongodb_url: str = Field(default="mongodb://127.0.0.1:27017", validation_alias="MONGODB_URL")
    mongodb_database: str = ""
    topic_prefix: str = ""

    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithms: list[str] = ["HS256"]
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    oidc_jwks_url: str | None = None
    """In production: verify tokens against this JWKS (RS256/ES256) instead of a secret."""
    jwt_max_lifetime_s: int = Field(default=12 * 3600, ge=60)
    """Longest a user's token may live (``exp - iat``); a longer one is refused (401)."""
    jwt_service_max_lifetime_s: int = Field(default=7 * 24 * 3600, ge=60)
    """Longest a service account's token (``kind: service``) may live."""

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    worker_web_port: int = Field(default=6066, ge=1, le=65535)
    worker_group: str = ""
    """Kafka consumer group of the worker; defaults to ``crm-<service_name>``."""
    worker_instance_id: str | None = None
    """Kafka static group membership (``group.instance.id``), unique per worker in its group.
    A worker restarted under the same id gets its partitions back at once, instead of after
    the killed member's session timed out (~60 s of nothing applied). A static member does
    not leave the group when it stops, so set it only where a restart keeps the name:
    ``crm dev`` and the tests' process runner (one worker per service), a StatefulSet's pod
    name; not a Deployment's pods, whose rollouts would leave the old pods' partitions idle
    for the session timeout."""

    otel_exporter_otlp_endpoint: str | None = Field(default=None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    """OTLP/HTTP collector for traces (e.g. ``http://otel-collector:4318``); unset: tracing off."""

    log_level: str = "INFO"
    log_json: bool = True
    access_log: bool = True
    """uvicorn's access log (method, path, status; query strings are dropped by our log filter)."""

    outbox_sweep_interval_s: float = Field(default=1.0, gt=0)
    max_concurrent_requests: int = Field(default=8, ge=1)
    """Requests in an API's handlers at once; more wait up to ``queue_timeout_s``, then get
    503 + Retry-After (health, metrics and SSE are not counted). Size it to the store: the
    local FerretDB/SQLite store serialises writes; a MongoDB replica set takes far more."""
    queue_timeout_s: float = Field(default=1.0, ge=0)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Largest request body an API reads (413 beyond); a route may allow more
    (``crm_shared.http.limits.body_limit``). Bodies are read before a request takes a slot."""
    body_timeout_s: float = Field(default=30.0, gt=0)
    """A request body must have arrived within this long (408 after): a slow client
    holds a connection, never a request slot."""
    store_audit: bool = False
    """Count store commands not filtered on ``_id`` in ``crm_store_non_id_filters_total``
    (by collection and command): what scans on the local store. For development."""
    consumer_keys_in_parallel: int = Field(default=16, ge=1)
    """Records of different keys a worker's replica agents handle at once (one key is
    always handled in offset order); 1 handles one record at a time."""

    @model_validator(mode="after")
    def _production_rules(self) -> Self:
        if self.env == "production":
            if dev := dev_defaults_in_use(self):
                raise ValueError(
                    f"{', '.join(dev)}: the development default; set a real secret in production (CRM_ENV=production)"
                )
            if self.jwt_secret == DEV_JWT_SECRET and not self.oidc_jwks_url:
                raise ValueError(
                    "CRM_JWT_SECRET is the development default; set a real secret or CRM_OIDC_JWKS_URL in production"
                )
            if len(self.jwt_secret) < 32 and not self.oidc_jwks_url:
                raise ValueError("CRM_JWT_SECRET must be at least 32 characters in production")
        return self

    @property
    def database_name(self) -> str:
        return self.mongodb_database or f"crm_{self.service_name.replace('-', '_')}"

    @property
    def consumer_group(self) -> str:
        return self.worker_group or f"{self.topic_prefix}crm-{self.service_name}"


S = TypeVar("S", bound=CrmSettings)

DEV_MARKER = "change-me"
"""Every development default of a secret contains it (``dev-...-change-me``): production
refuses a secret setting left at such a default, whichever service's settings declare it."""


def dev_defaults_in_use(settings: BaseSettings) -> list[str]:
    """The ``CRM_*`` names of the settings still at a development default secret."""
    names = []
    for name, field in type(settings).model_fields.items():
        default = field.default
        if isinstance(default, SecretStr):
            default = default.get_secret_value()
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(default, str) and DEV_MARKER in default and value == default:
            names.append(field.validation_alias if isinstance(field.validation_alias, str) else f"CRM_{name.upper()}")
    return names


def describe_validation_error(exc: ValidationError, prefix: str = "CRM_") -> str:
    lines = ["invalid settings:"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(settings)"
        name = loc if loc.isupper() else f"{prefix}{loc.upper()}" if err["loc"] else loc
        lines.append(f"  {name}: {err['msg']}")
    return "\n".join(lines)


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build settings or exit with a message that names each bad setting."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        print(describe_validation_error(exc), file=sys.stderr)  # noqa: T201 - logging is not configured yet
        raise SystemExit(2) from exc


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}
