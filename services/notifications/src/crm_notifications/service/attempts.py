"""One delivery attempt, start to finish.

:meth:`DeliveryExecutor.run` loads the delivery, waits for its time and its
endpoint's rate limit (by returning a delay, never by sleeping), claims attempt n with
a unique insert, renders, sends, records the attempt (time, status code or error,
duration) and settles: delivered, retry later (backoff with jitter, or at least
``Retry-After``), or failed after the last attempt. It returns how long until it
should run again, or None when the delivery needs nothing more from this process.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from datetime import datetime, timedelta

from crm_shared.clock import Clock

from crm_notifications.adapters.channels.base import Sender, SendJob, SendResult
from crm_notifications.adapters.deliveries import DeliveryRepo
from crm_notifications.adapters.event_store import EventStore
from crm_notifications.adapters.ratelimit import RateLimiters
from crm_notifications.domain.backoff import retry_delay_s
from crm_notifications.domain.delivery import AttemptRecord, Delivery
from crm_notifications.domain.masking import mask_text
from crm_notifications.domain.models import Channel, Endpoint
from crm_notifications.service.compose import Composer
from crm_notifications.service.config_cache import ConfigCache
from crm_notifications.service.erasure import CustomerErasure
from crm_notifications.service.outcomes import OutcomePublisher
from crm_notifications.settings import NotificationsSettings

log = logging.getLogger(__name__)


class DeliveryExecutor:
    def __init__(
        self,
        *,
        deliveries: DeliveryRepo,
        events: EventStore,
        config: ConfigCache,
        composer: Composer,
        senders: Mapping[Channel, Sender],
        limiters: RateLimiters,
        outcomes: OutcomePublisher,
        settings: NotificationsSettings,
        clock: Clock,
        rng: random.Random | None = None,
        erasure: CustomerErasure | None = None,
    ) -> None:
        self._erasure = erasure
        self._deliveries = deliveries
        self._events = events
        self._config = config
        self._composer = composer
        self.senders = senders
        self._limiters = limiters
        self._outcomes = outcomes
        self._s = settings
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter

    def _rate(self, endpoint: Endpoint) -> float:
        if endpoint.rate_per_s is not None:
            return endpoint.rate_per_s
        return float(getattr(self._s, f"{endpoint.kind}_rate_per_s"))

    def _later(self, delay_s: float) -> float | None:
        """Time short waits in memory; leave long ones to the poller (it reads the store)."""
        return max(delay_s, 0.001) if delay_s <= self._s.inline_requeue_max_s else None

    async def run(self, delivery_id: str) -> float | None:
        delivery = await self._deliveries.get(delivery_id)
        if delivery is None or delivery.status != "pending":
            return None
        now = self._clock()
        wait = (delivery.next_attempt_at - now).total_seconds()
        if wait > 0:
            return self._later(wait)
        view = await self._config.get()
        endpoint = view.directory.endpoint(delivery.endpoint_id)
        if delivery.endpoint_id and (endpoint is None or not endpoint.enabled):
            return await self._attempt(
                delivery,
                endpoint=None,
                preset=SendResult.permanent(f"endpoint {delivery.endpoint_id} was removed or disabled"),
            )
        if endpoint is not None:
            wait = self._limiters.bucket(endpoint.id, self._rate(endpoint)).try_acquire()
            if wait > 0:
                if wait > self._s.inline_requeue_max_s:
                    await self._deliveries.defer(
                        delivery.id, at=now + timedelta(seconds=wait), now=now, reason="rate limited"
                    )
                return self._later(wait)
        return await self._attempt(delivery, endpoint=endpoint)

    async def _attempt(
        self, delivery: Delivery, *, endpoint: Endpoint | None, preset: SendResult | None = None
    ) -> float | None:
        started_at = self._clock()
        number = delivery.attempts + 1
        lease = started_at + timedelta(seconds=self._s.attempt_lease_s)
        if not await self._deliveries.lock_attempt(delivery.id, number, now=started_at, lease_until=lease):
            return await self._recover(delivery, number)
        started = time.perf_counter()
        result = preset or await self._send(delivery, endpoint)
        record = AttemptRecord(
            number=number,
            started_at=started_at,
            finished_at=self._clock(),
            ok=result.ok,
            status_code=result.status_code,
            error=result.error,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        return await self._settle(delivery, record, result, endpoint)

    async def _send(self, delivery: Delivery, endpoint: Endpoint | None) -> SendResult:
        sender = self.senders.get(delivery.channel)
        if sender is None:
            return SendResult.permanent(f"no sender for channel {delivery.channel}")
        try:
            event = await self._events.get(delivery.event_id) if delivery.kind == "single" else None
            if delivery.kind == "single" and event is None:
                return SendResult.permanent("the source event is gone (erased or past retention)")
            view = await self._config.get()
            message, html = self._composer.compose(view, delivery, event)
            job = SendJob(
                delivery_id=delivery.id,
                rule_id=delivery.rule_id,
                message=message,
                now=self._clock(),
                address=delivery.address,
                endpoint=endpoint,
                html=html,
                event=event.model_dump(mode="json", exclude_none=True) if event else None,
            )
            return await sender.send(job)
        except Exception as exc:  # a bug must not wedge the delivery: log it, retry, then fail
            log.exception("sending raised", extra={"delivery_id": delivery.id, "channel": delivery.channel})
            return SendResult.transient(f"internal error: {type(exc).__name__}")

    async def _settle(
        self, delivery: Delivery, record: AttemptRecord, result: SendResult, endpoint: Endpoint | None
    ) -> float | None:
        """Retry later, or settle: publish the outcome first, then one update that records it."""
        now = self._clock()
        number = record.number
        if not result.ok and result.retryable and self._retry_transient(delivery, number, now):
            delay = retry_delay_s(
                number,
                retry_after_s=result.retry_after_s,
                base_s=self._s.retry_base_s,
                max_s=self._s.retry_max_s,
                retry_after_max_s=self._s.retry_after_max_s,
                rng=self._rng,
            )
            if result.status_code == 429 and endpoint is not None:
                self._limiters.bucket(endpoint.id, self._rate(endpoint)).pause(delay)
            await self._deliveries.settle(
                delivery.id, record, status="pending", now=now, next_attempt_at=now + timedelta(seconds=delay)
            )
            if await self._erased_meanwhile(delivery, reopened=True):
                return None
            log.info(
                "delivery attempt failed; will retry",
                extra={
                    "delivery_id": delivery.id,
                    "attempt": number,
                    "status_code": result.status_code,
                    "retry_in_s": round(delay, 3),
                },
            )
            return self._later(delay)
        status = "delivered" if result.ok else "failed"
        settled = delivery.model_copy(
            update={
                "status": status,
                "attempts": number,
                "updated_at": now,
                f"{status}_at": now,
                "last_error": result.error,
                "last_status_code": result.status_code,
            }
        )
        if not result.ok:
            log.warning(
                "delivery failed",
                extra={
                    "delivery_id": delivery.id,
                    "attempts": number,
                    "channel": delivery.channel,
                    "error": mask_text(result.error) if result.error else None,  # errors may quote a URL
                },
            )
        published = await self._outcomes.publish(settled)
        await self._deliveries.settle(delivery.id, record, status=status, now=now, outcome_published=published)
        await self._erased_meanwhile(delivery, reopened=False)
        return None

    async def _erased_meanwhile(self, delivery: Delivery, *, reopened: bool) -> bool:
        """The settling update may have raced the customer's erasure (it was on its way when
        the erasure scrubbed, or the store's read-then-write update brought back what the
        scrub removed): check after writing, and scrub again if so (``service/erasure.py``).
        Only where the record can hold the customer's data (an address, a digest's entries)
        or where a retry would reopen a delivery the erasure cancelled."""
        if self._erasure is None or not (reopened or delivery.address or delivery.kind == "digest"):
            return False
        return await self._erasure.recheck(delivery)

    def _retry_transient(self, delivery: Delivery, number: int, now: datetime) -> bool:
        """Another attempt after a transient failure: until both the attempts and the retry
        window are used up (a sink down for ten minutes is not a reason to give up)."""
        in_window = now - delivery.created_at < timedelta(seconds=self._s.delivery_retry_window_s)
        return number < delivery.max_attempts or in_window

    async def _recover(self, delivery: Delivery, number: int) -> float | None:
        """Attempt ``number`` is locked already: another worker is on it, or one died with it."""
        lock = await self._deliveries.get_lock(delivery.id, number)
        now = self._clock()
        if lock is None:
            return self._later(1.0)
        if lock.lease_until > now:
            return None  # someone else is on it
        log.warning(
            "an attempt was lost with its worker; retrying", extra={"delivery_id": delivery.id, "attempt": number}
        )
        record = AttemptRecord(
            number=number,
            started_at=lock.started_at,
            finished_at=now,
            ok=False,
            error="attempt lost: the worker stopped during it",
        )
        return await self._settle(delivery, record, SendResult.transient(record.error or ""), endpoint=None)
