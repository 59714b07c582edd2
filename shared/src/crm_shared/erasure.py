"""The erasure register: which customers were erased, so erasure is final.

Kafka keeps old customer snapshots (until compaction; for ever if someone re-produces
one, as a dead-letter replay may), so deleting a replica's row on ``crm.customer.erased``
is not enough: a replayed ``crm.customer.created`` would bring the name, e-mails and
phones back. Every service keeps a register (its own store, ``_id`` = customer id),
fed by the shared consumer runtime from ``crm.customer.erased`` events and tombstones,
and the runtime refuses customer state for a registered id before any handler runs
(:class:`crm_shared.kafka.consumer.EventConsumer`). A rebuild reads ``crm.customer``
from the start, where the erasure (or its tombstone) precedes any replayed snapshot,
so a fresh register ends up knowing the same ids.

Merged ids get a tombstone too: they are registered as well, which is what we want
(they get no further events, and a stale snapshot must not resurrect them).

The consumer runtime asks the register about every customer event, so it reads the
register's partition-owner view (:meth:`MongoErasureRegister.for_partition_owner`): the
whole register in memory, loaded at the first question and again after every rebalance
(:func:`note_rebalance`), no store read per event. That is exact for the owner of a
customer's partition: events are keyed by customer id, so the erasure of an id is handled
by the member that owns its partition before any later event of that id, and a member
given a partition loads the register after the handover (the previous owner committed
its offsets after recording). Readers that own no partition (an API, a periodic job) keep
the read-through register. Measured (``bench/store_commands.py``): one store read less
per customer event in every consumer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import traceback
from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import ValidationError

from crm_shared.mongo import Collection, Database

ERASURE_REGISTER = "erasure_register"
"""The collection of each service's register."""

Reason = Literal["erased", "tombstone"]


class ErasureRegister(Protocol):
    async def is_erased(self, customer_id: str) -> bool: ...

    async def record(self, customer_id: str, *, reason: Reason = "erased") -> None: ...


class InMemoryErasureRegister:
    """The fake, for unit tests and in-memory wirings."""

    def __init__(self) -> None:
        self.erased: dict[str, Reason] = {}

    async def is_erased(self, customer_id: str) -> bool:
        return customer_id in self.erased

    async def record(self, customer_id: str, *, reason: Reason = "erased") -> None:
        self.erased.setdefault(customer_id, reason)

    def for_partition_owner(self) -> InMemoryErasureRegister:
        return self


_rebalances = 0
"""Rebalances this process has seen (``note_rebalance``): an owner view older reloads."""


def note_rebalance() -> None:
    """Partitions may have moved (called by the faust app at a rebalance's start and end):
    every partition-owner view reloads the register before its next answer."""
    global _rebalances
    _rebalances += 1


class MongoErasureRegister:
    """One document per erased id (``_id`` = customer id; only the id, no personal data).

    An id never leaves the register, so a positive answer is cached for the process's
    life; a negative one is asked again (another instance may have recorded it)."""

    def __init__(self, coll: Collection) -> None:
        self._coll = coll
        self._known: set[str] = set()
        self._owner_view: OwnerErasureView | None = None

    @classmethod
    def of(cls, db: Database) -> MongoErasureRegister:
        return cls(db[ERASURE_REGISTER])

    async def is_erased(self, customer_id: str) -> bool:
        if customer_id in self._known:
            return True
        if await self._coll.find_one({"_id": customer_id}, {"_id": 1}) is None:
            return False
        self._known.add(customer_id)
        return True

    async def record(self, customer_id: str, *, reason: Reason = "erased") -> None:
        await self._coll.update_one(
            {"_id": customer_id},
            {"$setOnInsert": {"reason": reason, "at": datetime.now(UTC)}},
            upsert=True,
        )
        self._known.add(customer_id)

    def for_partition_owner(self) -> OwnerErasureView:
        """The view the consumer runtime asks (one per register: the consumers of a process
        share one load). Only for code that handles a customer's events in its partition."""
        if self._owner_view is None:
            self._owner_view = OwnerErasureView(self)
        return self._owner_view

    async def load_all(self) -> None:
        """Every registered id into memory (a scan: at start and per rebalance only)."""
        async for doc in self._coll.find({}, {"_id": 1}):
            self._known.add(str(doc["_id"]))


class OwnerErasureView:
    """The register in memory for a partition owner (see the module's docstring)."""

    def __init__(self, register: MongoErasureRegister) -> None:
        self._register = register
        self._loaded_at: int | None = None
        self._lock = asyncio.Lock()

    async def is_erased(self, customer_id: str) -> bool:
        if self._loaded_at != _rebalances:
            async with self._lock:  # records of many keys ask at once after a rebalance: one load
                seen = _rebalances
                if self._loaded_at != seen:
                    await self._register.load_all()
                    self._loaded_at = seen
        return customer_id in self._register._known

    async def record(self, customer_id: str, *, reason: Reason = "erased") -> None:
        await self._register.record(customer_id, reason=reason)

    def for_partition_owner(self) -> OwnerErasureView:
        return self


# Dead letters keep no personal data: a dead-letter topic is kept 30 days and is read by
# operators, so the value is scrubbed to what finding and replaying the record needs (its
# envelope, the ids and versions in its data, a digest of the original) and the error
# text loses the input values pydantic puts in it. The record itself is replayed from its
# original topic and offset (deploy/OPERATIONS.md), never re-produced from a dead letter.

ENVELOPE_KEPT = (
    "specversion",
    "id",
    "type",
    "source",
    "subject",
    "time",
    "datacontenttype",
    "dataschema",
    "sequence",
    "sequencenum",
    "customerid",
    "actor",
    "correlationid",
    "causationid",
    "traceparent",
)


def _is_id_key(key: str) -> bool:
    return key in ("id", "version", "sequence") or key.endswith(("_id", "_ids"))


def _ids_of(data: object) -> object:
    """Only the ids and versions of ``data``, with the objects that hold them."""
    if isinstance(data, dict):
        kept: dict[str, object] = {}
        for key, value in data.items():
            if _is_id_key(str(key)) and (value is None or isinstance(value, str | int | list)):
                kept[str(key)] = value if not isinstance(value, list) else [v for v in value if isinstance(v, str)]
            elif isinstance(value, dict):
                inner = _ids_of(value)
                if inner:
                    kept[str(key)] = inner
        return kept
    return {}


def scrub_dead_letter(value: bytes | None) -> bytes | None:
    """The dead letter's value: no personal data, and not decodable as an event (so an
    old-runbook re-produce of it fails loudly instead of applying half a snapshot)."""
    if value is None:
        return None
    original = {"sha256": hashlib.sha256(value).hexdigest(), "bytes": len(value)}
    try:
        doc = json.loads(value)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        return json.dumps({"scrubbed": True, "undecodable": True, "original": original}).encode()
    data = doc.get("data")
    scrubbed = {
        "scrubbed": True,
        "event": {k: doc[k] for k in ENVELOPE_KEPT if k in doc and isinstance(doc[k], str | int)},
        "data_ids": _ids_of(data),
        "data_fields": sorted(str(k) for k in data) if isinstance(data, dict) else [],
        "original": original,
    }
    return json.dumps(scrubbed, separators=(",", ":")).encode()


def redacted_error(exc: BaseException) -> str:
    """``str(exc)`` without the input values a validation error quotes."""
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
        parts = ["{}: {}".format(".".join(str(p) for p in e["loc"]) or "<root>", e["msg"]) for e in errors[:20]]
        return f"{exc.error_count()} validation error(s) for {exc.title}: " + "; ".join(parts)
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, ValueError) and cause is not None:
        return f"{exc.__class__.__name__} from {redacted_error(cause)}"
    return str(exc)


def redacted_trace(exc: BaseException) -> str:
    """The traceback's frames and the chain's types, with redacted messages only."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"{frames}{type(current).__name__}: {redacted_error(current)}\n")
        current = current.__cause__ or current.__context__
    return "\n(caused by)\n".join(reversed(parts))
