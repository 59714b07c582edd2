"""Token revocation, honoured by every API within seconds, kept in the event stream.

An admin revokes a user (``sub``: every token of theirs issued up to now) or one token
(``jti``) with ``POST /admin/revocations`` on any API. The revocation is a record on the
compacted ``crm.revocation`` topic, keyed ``sub:<id>`` / ``jti:<id>``; every API process
tails that topic without a consumer group, from the start, into an in-memory
:class:`RevocationList` that the token verifier checks on every request. A restarted
process reads the whole (small, compacted) topic before it counts as caught up.

``DELETE /admin/revocations/{sub:<id>|jti:<id>}`` withdraws one: a tombstone on its key,
which every process applies as it tails (and compaction then drops the key).

A user revoked at ``t`` may sign in again: tokens issued after ``t`` are accepted (a
token's ``iat`` is required, and its lifetime is bounded, so nothing older survives).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from crm_shared.settings import CrmSettings
from crm_shared.topics import Topics

log = logging.getLogger(__name__)

RevocationKind = Literal["sub", "jti"]


@dataclass(frozen=True)
class Revocation:
    kind: RevocationKind
    value: str
    revoked_at: float
    """Unix time: a ``sub`` revocation refuses the user's tokens issued at or before it."""
    by: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"

    def to_bytes(self) -> bytes:
        return json.dumps(
            {"kind": self.kind, "value": self.value, "revoked_at": self.revoked_at, "by": self.by}
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Revocation:
        data = json.loads(raw)
        kind = data["kind"]
        if kind not in ("sub", "jti"):
            raise ValueError(f"unknown revocation kind {kind!r}")
        return cls(
            kind=kind, value=str(data["value"]), revoked_at=float(data["revoked_at"]), by=str(data.get("by", ""))
        )


class RevocationList:
    """What the token verifier checks: revoked users (with the time) and token ids."""

    def __init__(self) -> None:
        self._subs: dict[str, float] = {}
        self._jtis: set[str] = set()

    def apply(self, revocation: Revocation) -> None:
        if revocation.kind == "sub":
            self._subs[revocation.value] = max(revocation.revoked_at, self._subs.get(revocation.value, 0.0))
        else:
            self._jtis.add(revocation.value)

    def lift(self, key: str) -> None:
        """A tombstone on the topic: the revocation was withdrawn."""
        kind, _, value = key.partition(":")
        if kind == "sub":
            self._subs.pop(value, None)
        elif kind == "jti":
            self._jtis.discard(value)

    def __contains__(self, key: str) -> bool:
        kind, _, value = key.partition(":")
        return value in self._subs if kind == "sub" else kind == "jti" and value in self._jtis

    def revoked(self, claims: dict[str, Any]) -> bool:
        jti = claims.get("jti")
        if jti is not None and str(jti) in self._jtis:
            return True
        since = self._subs.get(str(claims.get("sub")))
        if since is None:
            return False
        iat = claims.get("iat")
        return not isinstance(iat, int | float) or iat <= since

    def __len__(self) -> int:
        return len(self._subs) + len(self._jtis)


class RevocationFeed:
    """Tails ``crm.revocation`` into a :class:`RevocationList` and publishes to it."""

    def __init__(self, settings: CrmSettings, revocations: RevocationList, *, poll_s: float = 0.2) -> None:
        self._servers = settings.kafka_bootstrap_servers
        self._service = settings.service_name
        self._topics = Topics(settings.topic_prefix)
        self._topic = self._topics.revocation
        self._revocations = revocations
        self._poll_ms = int(poll_s * 1000)
        self._task: asyncio.Task[None] | None = None
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self.revocations = revocations
        """The list this feed keeps (what the token verifier checks)."""
        self.caught_up = asyncio.Event()
        """Set once everything on the topic when the tail started has been read."""

    async def start(self, *, catch_up_s: float = 5.0) -> None:
        """Start tailing; wait up to ``catch_up_s`` to have read what is there (a broker
        that is away does not stop the API from starting: the tail keeps trying)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._tail(), name="revocations-tail")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(catch_up_s):
                await self.caught_up.wait()
        if not self.caught_up.is_set():
            log.warning("revocation list not caught up at start; tailing on", extra={"topic": self._topic})

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def publish(self, revocation: Revocation) -> None:
        """Put the revocation on the topic (every API applies it from there, this one too)."""
        await self._send(revocation.key, revocation.to_bytes())
        self._revocations.apply(revocation)  # at once here; the others within a poll

    async def withdraw(self, key: str) -> None:
        """Withdraw a revocation: a tombstone on its key (every API lifts it, and compaction
        drops the record)."""
        await self._send(key, None)
        self._revocations.lift(key)

    async def _send(self, key: str, value: bytes | None) -> None:
        async with self._producer_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._servers,
                    client_id=f"{self._service}-revocations",
                    acks="all",
                    request_timeout_ms=10000,
                )
                await producer.start()
                self._producer = producer
        await self._producer.send_and_wait(self._topic, key=key.encode(), value=value)

    async def _tail(self) -> None:
        attempt = 0
        while True:
            try:
                await self._tail_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                attempt += 1
                log.warning(
                    "revocation tail failed; retrying",
                    exc_info=True,
                    extra={"error": type(exc).__name__, "attempt": attempt},
                )
                await asyncio.sleep(min(0.5 * 2**attempt, 10.0))

    async def _tail_once(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._servers,
            group_id=None,  # every process reads everything, from the start
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=f"{self._service}-revocations",
        )
        await consumer.start()
        try:
            if self._topic not in await consumer.topics():
                from crm_shared.provision import ensure_topics  # a deployment from before the topic

                await asyncio.to_thread(ensure_topics, self._servers, self._topics)
            consumer.subscribe([self._topic])
            ends: dict[TopicPartition, int] | None = None
            while True:
                batches = await consumer.getmany(timeout_ms=self._poll_ms)
                for records in batches.values():
                    for record in records:
                        self._apply(record.key, record.value)
                if self.caught_up.is_set() or not consumer.assignment():
                    continue
                if ends is None:
                    ends = await consumer.end_offsets(list(consumer.assignment()))
                if await _read_up_to(consumer, ends):
                    self.caught_up.set()
                    log.info("revocation list caught up", extra={"entries": len(self._revocations)})
        finally:
            await consumer.stop()

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        if value is None:
            self._revocations.lift(key.decode())
            return
        try:
            self._revocations.apply(Revocation.from_bytes(value))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed revocation record", extra={"topic": self._topic})


async def _read_up_to(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if int(await consumer.position(tp)) < end:
            return False
    return True


def now() -> float:
    return time.time()
