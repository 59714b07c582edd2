"""Consumer runtime shared by every stream worker.

One :class:`EventConsumer` per (service, topic): decode the CloudEvent, skip types the
service does not handle (forward compatibility), dedupe, call the handler from the
service's handler table, retry transient failures with exponential backoff, and send
a poison message to the service's dead-letter topic with the error and the original
headers, so the stream moves on. The store or the broker being away
(:func:`crm_shared.unavailable.infrastructure_unavailable`) is never poison: the record
is retried, backoff capped, for as long as the outage lasts, and the partition waits.
Offsets are committed by faust after ``handle`` returns, i.e. after the database
write: at-least-once, and handlers are idempotent.

Erasure is final (:mod:`crm_shared.erasure`): given the service's register, the runtime
records every ``crm.customer.erased`` and tombstone before any handler, and skips
(``Outcome.ERASED``, counted, not dead-lettered) every other customer event about a
registered id, so a replay or a rebuild cannot bring an erased customer back. Dead
letters keep no personal data: the value is scrubbed and error texts redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import Any, Protocol, TypeVar

from opentelemetry.trace import StatusCode
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure, DuplicateKeyError, NetworkTimeout, OperationFailure

from crm_shared.erasure import ErasureRegister, redacted_error, redacted_trace, scrub_dead_letter
from crm_shared.events.envelope import CloudEvent
from crm_shared.logs import causation_id, correlation_id
from crm_shared.mongo import Collection
from crm_shared.telemetry import consumer_span, tracing_enabled
from crm_shared.unavailable import infrastructure_unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[CloudEvent], Awaitable[None]]
TombstoneHandler = Callable[[str], Awaitable[None]]
RawHeaders = Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None


class TransientError(Exception):
    """Raise from a handler for a failure worth retrying (a dependency is down): retried
    ``max_attempts`` times, then dead-lettered. Raised ``from`` a store or broker
    connection error, it is retried for as long as that outage lasts instead."""


TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    ConnectionFailure,
    NetworkTimeout,
    asyncio.TimeoutError,
    OSError,
)


OUTAGE_LOG_EVERY_S = 10.0
"""A consumer waiting out an outage says so at most this often."""


class Outcome(StrEnum):
    HANDLED = "handled"
    SKIPPED = "skipped"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"
    ERASED = "erased"
    """Customer state about an erased (or merged-away) id: refused."""


CUSTOMER_EVENTS = "crm.customer."
ERASED_EVENT = "crm.customer.erased"


class DeadLetterSink(Protocol):
    async def send_raw(
        self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None: ...


class EventDeduper:
    """Remembers handled event ids per consumer (unique ``_id``)."""

    def __init__(self, coll: Collection, consumer: str) -> None:
        self._coll = coll
        self._consumer = consumer

    async def seen(self, event_id: str) -> bool:
        return await self._coll.find_one({"_id": f"{self._consumer}:{event_id}"}, {"_id": 1}) is not None

    async def remember(self, event_id: str) -> None:
        with contextlib.suppress(DuplicateKeyError):
            await self._coll.insert_one({"_id": f"{self._consumer}:{event_id}", "at": datetime.now(UTC)})


@dataclass(frozen=True)
class RecordInfo:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def normalise_headers(headers: RawHeaders) -> list[tuple[str, bytes]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), v if isinstance(v, bytes) else str(v).encode()) for k, v in items]


class EventConsumer:
    def __init__(
        self,
        *,
        consumer: str,
        handlers: Mapping[str, Handler],
        dead_letters: DeadLetterSink,
        dead_letter_topic: str,
        on_tombstone: TombstoneHandler | None = None,
        deduper: EventDeduper | None = None,
        max_attempts: int = 6,
        backoff_initial_s: float = 0.1,
        backoff_max_s: float = 5.0,
        on_outcome: Callable[[Outcome, RecordInfo], None] | None = None,
        erasure: ErasureRegister | None = None,
        retombstone_erased: bool = False,
    ) -> None:
        """``erasure``: the service's register (every consumer of one service shares it).
        ``retombstone_erased``: for the owner of ``crm.customer`` only, answer a refused
        snapshot with a fresh tombstone, so compaction keeps the erasure and not the
        re-produced snapshot."""
        self.consumer = consumer
        self._handlers = dict(handlers)
        self._dead_letters = dead_letters
        self._dlq_topic = dead_letter_topic
        self._on_tombstone = on_tombstone
        self._deduper = deduper
        self._max_attempts = max_attempts
        self._backoff = (backoff_initial_s, backoff_max_s)
        self._on_outcome = on_outcome
        owner_view = getattr(erasure, "for_partition_owner", None)
        # the runtime owns the partitions it reads: the register in memory, no read per event
        self._erasure: ErasureRegister | None = owner_view() if callable(owner_view) else erasure
        self._retombstone = retombstone_erased
        self._outage_since: float | None = None
        self._outage_steps = 0
        self._outage_logged_at = -OUTAGE_LOG_EVERY_S

    async def handle(self, record: RecordInfo) -> Outcome:
        outcome = await self._handle(record)
        self._outage_since = None
        if self._on_outcome is not None:
            self._on_outcome(outcome, record)
        return outcome

    async def _handle(self, record: RecordInfo) -> Outcome:
        if record.value is None:
            outcome = Outcome.SKIPPED
            if self._on_tombstone is not None and record.key is not None:
                on_tombstone, key = self._on_tombstone, record.key.decode()
                run = self._run(record, None, lambda: on_tombstone(key))
                outcome = await (self._traced(record, None, run) if tracing_enabled() else run)
            erasure = self._erasure
            if erasure is not None and record.key is not None:
                # after the handler: recorded before it, service-desk's merge test lost its
                # merged_into marker about half the time (the key's next record waits either way)
                erased_key = record.key.decode()
                await self._while_unavailable(record, lambda: erasure.record(erased_key, reason="tombstone"))
            return outcome
        try:
            event = CloudEvent.from_bytes(record.value)
        except (ValidationError, ValueError) as exc:
            await self._while_unavailable(record, partial(self._dead_letter, record, exc, stage="decode"))
            return Outcome.DEAD_LETTERED
        if self._erasure is not None and event.type.startswith(CUSTOMER_EVENTS):
            refused = await self._erasure_gate(record, event, self._erasure)
            if refused is not None:
                return refused
        handler = self._handlers.get(event.type)
        if handler is None:
            return Outcome.SKIPPED
        handling = self._handle_event(record, event, handler)
        return await (self._traced(record, event, handling) if tracing_enabled() else handling)

    async def _erasure_gate(self, record: RecordInfo, event: CloudEvent, erasure: ErasureRegister) -> Outcome | None:
        """Records an erasure; refuses customer state about an erased id (None: go on)."""
        customer_id = event.customerid
        if event.type == ERASED_EVENT:
            await self._while_unavailable(record, lambda: erasure.record(customer_id))
            return None
        if not await self._while_unavailable(record, lambda: erasure.is_erased(customer_id)):
            return None
        log.info(
            "refused customer state of an erased customer",
            extra={"consumer": self.consumer, "topic": record.topic, "event_id": event.id, "event_type": event.type},
        )
        if self._retombstone and record.key is not None:
            key = record.key
            await self._while_unavailable(
                record, lambda: self._dead_letters.send_raw(record.topic, key=key, value=None)
            )
        return Outcome.ERASED

    async def _traced(self, record: RecordInfo, event: CloudEvent | None, handling: Awaitable[Outcome]) -> Outcome:
        """``handling`` in a CONSUMER span that continues the event's trace (tracing on)."""
        with consumer_span(
            record.topic,
            traceparent=event.traceparent if event else None,
            consumer=self.consumer,
            event_id=event.id if event else None,
            event_type=event.type if event else None,
            partition=record.partition,
            offset=record.offset,
        ) as span:
            outcome = await handling
            span.set_attribute("crm.outcome", outcome.value)
            if outcome is Outcome.DEAD_LETTERED:
                span.set_status(StatusCode.ERROR, "dead-lettered")
            return outcome

    async def _handle_event(self, record: RecordInfo, event: CloudEvent, handler: Handler) -> Outcome:
        deduper = self._deduper
        if deduper is not None and await self._while_unavailable(record, lambda: deduper.seen(event.id)):
            return Outcome.DUPLICATE
        cid_token = correlation_id.set(event.correlationid or event.id)
        cause_token = causation_id.set(event.id)
        try:
            return await self._run(record, event, lambda: handler(event))
        finally:
            correlation_id.reset(cid_token)
            causation_id.reset(cause_token)

    async def _run(self, record: RecordInfo, event: CloudEvent | None, call: Callable[[], Awaitable[None]]) -> Outcome:
        attempt = 0
        while True:
            try:
                await call()
                break
            except asyncio.CancelledError:
                raise
            except (Exception, OperationFailure) as exc:
                if infrastructure_unavailable(exc):
                    attempt = 0  # the outage does not use up the record's attempts
                    await self._wait_out_outage(record, exc)
                    continue
                attempt += 1
                if isinstance(exc, TRANSIENT) and attempt < self._max_attempts:
                    await asyncio.sleep(self._delay(attempt))
                    continue
                await self._while_unavailable(
                    record, partial(self._dead_letter, record, exc, stage="handle", event=event)
                )
                return Outcome.DEAD_LETTERED
        deduper = self._deduper
        if event is not None and deduper is not None:
            await self._while_unavailable(record, lambda: deduper.remember(event.id))
        return Outcome.HANDLED

    def _delay(self, attempt: int) -> float:
        initial, cap = self._backoff
        return float(min(cap, initial * 2.0 ** (attempt - 1))) + random.uniform(0, initial)  # noqa: S311 - jitter

    async def _while_unavailable(self, record: RecordInfo, call: Callable[[], Awaitable[T]]) -> T:
        """``call`` retried for as long as the store or the broker is away."""
        while True:
            try:
                return await call()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not infrastructure_unavailable(exc):
                    raise
                await self._wait_out_outage(record, exc)

    async def _wait_out_outage(self, record: RecordInfo, exc: BaseException) -> None:
        """One backoff step of an outage (capped: the record is retried soon after the
        store or broker is back), logged at most every ``OUTAGE_LOG_EVERY_S``."""
        now = time.monotonic()
        if self._outage_since is None:
            self._outage_since, self._outage_steps = now, 0
        self._outage_steps += 1
        if now - self._outage_logged_at >= OUTAGE_LOG_EVERY_S:
            self._outage_logged_at = now
            log.warning(
                "store or broker unavailable; retrying the record until it is back",
                extra={
                    "consumer": self.consumer,
                    "topic": record.topic,
                    "partition": record.partition,
                    "offset": record.offset,
                    "error": type(exc).__name__,
                    "outage_s": round(now - self._outage_since, 1),
                },
            )
        await asyncio.sleep(self._delay(min(self._outage_steps, 30)))

    async def _dead_letter(
        self, record: RecordInfo, exc: BaseException, *, stage: str, event: CloudEvent | None = None
    ) -> None:
        log.error(
            "dead-lettering record",
            extra={
                "consumer": self.consumer,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "stage": stage,
                "error": type(exc).__name__,
                "event_type": event.type if event else None,
            },
        )
        headers = [
            *record.headers,
            ("dlq.consumer", self.consumer.encode()),
            ("dlq.stage", stage.encode()),
            ("dlq.error.type", type(exc).__name__.encode()),
            ("dlq.error.message", redacted_error(exc)[:2000].encode()),
            ("dlq.error.trace", redacted_trace(exc)[-4000:].encode()),
            ("dlq.original.topic", record.topic.encode()),
            ("dlq.original.partition", str(record.partition).encode()),
            ("dlq.original.offset", str(record.offset).encode()),
            ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        value = scrub_dead_letter(record.value)
        await self._dead_letters.send_raw(self._dlq_topic, key=record.key, value=value, headers=headers)


def dead_letter_info(headers: RawHeaders) -> dict[str, Any]:
    """The ``dlq.*`` headers of a dead letter, decoded (for tools and tests)."""
    return {k: v.decode() for k, v in normalise_headers(headers) if k.startswith("dlq.")}
