"""The one way services publish: an idempotent aiokafka producer, acks=all.

Records are keyed by customer id (``CloudEvent.customerid``) so everything about a
customer stays ordered in one partition.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from opentelemetry.trace import Span

from crm_shared.events.envelope import CloudEvent
from crm_shared.telemetry import end_span, start_producer_span, tracing_enabled

log = logging.getLogger(__name__)

Headers = list[tuple[str, bytes]]


class EventPublisher:
    def __init__(self, bootstrap_servers: str, *, client_id: str = "crm", linger_ms: int = 2) -> None:
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._linger_ms = linger_ms
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        if self._producer is not None:
            return
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=self._linger_ms,
            request_timeout_ms=15000,
        )
        await producer.start()
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("EventPublisher.start() was not awaited")
        return self._producer

    async def publish(self, topic: str, event: CloudEvent) -> None:
        if tracing_enabled():
            await self._publish_traced([(topic, event)])
            return
        await self.producer.send_and_wait(
            topic, value=event.to_bytes(), key=event.kafka_key(), headers=event.kafka_headers()
        )

    async def publish_many(self, items: Sequence[tuple[str, CloudEvent]]) -> None:
        """Send all, then wait for all: one round trip for a batch, order kept per key."""
        if tracing_enabled():
            await self._publish_traced(items)
            return
        futures = [
            await self.producer.send(t, value=e.to_bytes(), key=e.kafka_key(), headers=e.kafka_headers())
            for t, e in items
        ]
        for fut in futures:
            await fut

    async def _publish_traced(self, items: Sequence[tuple[str, CloudEvent]]) -> None:
        """A PRODUCER span per event, from send to the broker's ack; the event carries it
        as ``traceparent`` so every consumer continues this trace."""
        sent: list[tuple[Span, asyncio.Future[Any]]] = []
        try:
            for topic, event in items:
                span, traceparent = start_producer_span(
                    topic, traceparent=event.traceparent, event_id=event.id, event_type=event.type
                )
                try:
                    event = event.model_copy(update={"traceparent": traceparent})
                    fut = await self.producer.send(
                        topic, value=event.to_bytes(), key=event.kafka_key(), headers=event.kafka_headers()
                    )
                except BaseException as exc:
                    end_span(span, exc)
                    raise
                sent.append((span, fut))
            while sent:
                await sent[0][1]
                end_span(sent.pop(0)[0])
        except BaseException as exc:
            for span, _ in sent:
                end_span(span, exc)
            raise

    async def send_raw(
        self, topic: str, *, key: bytes | None, value: bytes | None, headers: Headers | None = None
    ) -> None:
        """Tombstones (value None) and dead letters."""
        await self.producer.send_and_wait(topic, value=value, key=key, headers=headers or [])

    async def ready(self) -> bool:
        """True when the broker answers a metadata request."""
        try:
            await self.producer.client.fetch_all_metadata()
        except Exception:  # any failure means not ready
            log.warning("kafka not ready", exc_info=True)
            return False
        return True
