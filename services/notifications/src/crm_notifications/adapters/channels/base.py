"""What every channel sender takes and returns, and how HTTP answers are classified."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from crm_notifications.adapters.http_client import HttpResult, SafeHttpClient
from crm_notifications.adapters.ssrf import BlockedDestination
from crm_notifications.domain.backoff import parse_retry_after
from crm_notifications.domain.message import Message
from crm_notifications.domain.models import Endpoint

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class SendJob:
    delivery_id: str
    rule_id: str
    message: Message
    now: datetime
    address: str | None = None
    endpoint: Endpoint | None = None
    event: dict[str, Any] | None = None
    html: str | None = None


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    retryable: bool = False
    retry_after_s: float | None = None

    @classmethod
    def permanent(cls, error: str, status_code: int | None = None) -> SendResult:
        return cls(ok=False, status_code=status_code, error=error, retryable=False)

    @classmethod
    def transient(cls, error: str, status_code: int | None = None, retry_after_s: float | None = None) -> SendResult:
        return cls(ok=False, status_code=status_code, error=error, retryable=True, retry_after_s=retry_after_s)


class Sender(Protocol):
    async def send(self, job: SendJob) -> SendResult: ...


def classify(result: HttpResult, *, now: datetime) -> SendResult:
    status = result.status
    if 200 <= status < 300:
        return SendResult(ok=True, status_code=status)
    detail = f"HTTP {status}" + (f": {result.body[:200].strip()}" if result.body.strip() else "")
    if status in RETRYABLE_STATUS or status >= 500:
        retry_after = parse_retry_after(result.headers.get("retry-after"), now=now)
        return SendResult.transient(detail, status, retry_after if status in (429, 503) else None)
    return SendResult.permanent(detail, status)


async def post_json(
    http: SafeHttpClient, endpoint: Endpoint, body: bytes, *, now: datetime, headers: dict[str, str] | None = None
) -> SendResult:
    """POST a JSON body to an endpoint and classify the answer (never raises)."""
    try:
        result = await http.post(
            endpoint.url.get_secret_value(),
            content=body,
            headers={"content-type": "application/json", **(headers or {})},
        )
    except BlockedDestination as exc:
        return SendResult.permanent(f"destination refused: {exc}")
    except httpx.TimeoutException as exc:
        return SendResult.transient(f"timeout: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        return SendResult.transient(f"transport error: {type(exc).__name__}: {exc}"[:300])
    return classify(result, now=now)
