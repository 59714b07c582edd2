"""Is this failure the store or the broker being away, rather than the work being wrong?

One answer for the whole code base: a consumer retries such a failure for as long as
it takes (never dead-letters it: the event is valid, the replica would silently miss
it), and an API answers it ``503`` + ``Retry-After`` instead of ``500``.
"""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError, NodeNotReadyError
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError, WTimeoutError

#: server error codes that mean "not now" (shutting down, stepping down, network).
_TRANSIENT_CODES = frozenset({6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436})
#: the local store (FerretDB on SQLite) answers a busy database with an OperationFailure.
_TRANSIENT_MESSAGES = ("database is locked", "database table is locked", "sqlite_busy")


def _one_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionFailure | WTimeoutError | asyncio.TimeoutError | ConnectionError):
        return True  # ServerSelectionTimeoutError, AutoReconnect, NetworkTimeout, NotPrimary...
    if isinstance(exc, OperationFailure):
        text = str(exc).lower()
        return exc.code in _TRANSIENT_CODES or any(m in text for m in _TRANSIENT_MESSAGES)
    if isinstance(exc, PyMongoError):
        return exc.has_error_label("RetryableWriteError") or exc.has_error_label("TransientTransactionError")
    if isinstance(exc, KafkaConnectionError | KafkaTimeoutError | NodeNotReadyError):
        return True
    return isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))


def infrastructure_unavailable(exc: BaseException) -> bool:
    """True when ``exc``, or an exception it was raised ``from``, says the store or the
    broker cannot be reached right now (a handler may wrap one in its own error). Only
    explicit causes count: an error raised while handling an outage is not an outage."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if _one_unavailable(current):
            return True
        seen.add(id(current))
        current = current.__cause__
    return False
