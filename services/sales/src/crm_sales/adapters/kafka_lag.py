"""How many records of a topic a consumer group has not committed yet (for status pages)."""

from __future__ import annotations

import asyncio
import logging
import time

log = logging.getLogger(__name__)


def _pending(bootstrap_servers: str, group: str, topic: str, timeout_s: float) -> int:
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    ms = max(int(timeout_s * 1000), 1000)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="crm-sales-lag", request_timeout_ms=ms)
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=None, request_timeout_ms=ms + 1000, client_id="crm-sales-lag"
    )
    try:
        committed = admin.list_group_offsets({group: None}).get(group) or {}
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        ends = consumer.end_offsets(tps)
        total = 0
        for tp in tps:
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            total += max(ends.get(tp, 0) - done, 0)
        return total
    finally:
        consumer.close()
        admin.close()


class LagProbe:
    """Pending records of (group, topic), cached for a moment; None if Kafka does not answer."""

    def __init__(
        self, bootstrap_servers: str, *, group: str, topic: str, cache_s: float = 2.0, timeout_s: float = 3.0
    ) -> None:
        self._args = (bootstrap_servers, group, topic, timeout_s)
        self._cache_s = cache_s
        self._cached: tuple[float, int | None] | None = None

    async def pending(self) -> int | None:
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self._cache_s:
            return self._cached[1]
        try:
            value: int | None = await asyncio.wait_for(
                asyncio.to_thread(_pending, *self._args), timeout=self._args[3] + 2
            )
        except Exception:  # a status page never fails because Kafka is slow
            log.warning("could not read consumer lag", exc_info=True)
            value = None
        self._cached = (now, value)
        return value
