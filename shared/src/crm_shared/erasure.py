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
"""

from __future__ import annotations

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


class MongoErasureRegister:
    """One document per erased id (``_id`` = customer id; only the id, no personal data).

    An id never leaves the register, so a positive answer is cached for the process's
    life; a negative one is asked again (another instance may have recorded it)."""

    def __init__(self, coll: Collection) -> None:
        self._coll = coll
        self._known: set[str] = set()

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
