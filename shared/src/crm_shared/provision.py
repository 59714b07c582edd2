"""Explicit topic provisioning from the registry in ``crm_shared.topics``.

Topics are never created by broker auto-create. ``ensure_topics`` creates what is
missing with the registry's partition count and configs, accepts topics that
already exist (also when another process creates them concurrently) and refuses
an existing topic whose partition count differs from the registry (faust would
raise PartitionsMismatch later, far from the cause).
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

from crm_shared.topics import Topics, TopicSpec

log = logging.getLogger(__name__)

_UNKNOWN_TOPIC = 3
_TOPIC_ALREADY_EXISTS = 36


class KafkaNotReady(TimeoutError):
    """No broker answered the Kafka protocol in time."""


class TopicProvisioningError(RuntimeError):
    """A topic could not be created."""


class TopicPartitionMismatch(TopicProvisioningError):
    """An existing topic has another partition count than the registry says."""

    def __init__(self, mismatches: dict[str, tuple[int, int]]) -> None:
        self.mismatches = mismatches
        details = ", ".join(
            f"{name} has {actual} partitions, registry says {expected}"
            for name, (actual, expected) in sorted(mismatches.items())
        )
        super().__init__(
            f"existing topics disagree with crm_shared.topics: {details}. Partition counts "
            "cannot shrink and co-partitioned topics must match; recreate the topic or "
            "change the registry."
        )


def _hosts(bootstrap_servers: str) -> list[tuple[str, int]]:
    hosts = []
    for item in bootstrap_servers.split(","):
        item = item.strip()
        if not item:
            continue
        host, _, port = item.rpartition(":")
        hosts.append((host.strip("[]") or "localhost", int(port or 9092)))
    if not hosts:
        raise ValueError(f"no bootstrap servers in {bootstrap_servers!r}")
    return hosts


def _any_listening(bootstrap_servers: str) -> bool:
    for host, port in _hosts(bootstrap_servers):
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            continue
    return False


def _admin(bootstrap_servers: str, timeout_s: float) -> Any:
    from kafka import KafkaAdminClient

    ms = max(int(timeout_s * 1000), 1000)
    return KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="crm-provision",
        request_timeout_ms=ms,
        bootstrap_timeout_ms=ms,
    )


def wait_for_kafka(bootstrap_servers: str, timeout_s: float = 30.0) -> None:
    """Return once a broker answers a metadata request and a controller is known."""
    deadline = time.monotonic() + timeout_s
    last: object = "nothing listens"
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KafkaNotReady(f"Kafka at {bootstrap_servers} not ready after {timeout_s:.0f}s: {last}")
        if _any_listening(bootstrap_servers):
            admin = None
            try:
                admin = _admin(bootstrap_servers, min(remaining, 5.0))
                cluster = admin.describe_cluster()
                if cluster.get("brokers") and cluster.get("controller_id", -1) >= 0:
                    return
                last = f"no controller yet: {cluster}"
            except Exception as exc:  # kafka-python raises many types while starting
                last = exc
            finally:
                if admin is not None:
                    admin.close()
        time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))


def _partition_counts(admin: Any, names: list[str], timeout_s: float) -> dict[str, int]:
    """Partition count of each existing topic among ``names``."""
    counts: dict[str, int] = {}
    settling = []
    for t in admin.describe_topics(names):
        code = t.get("error_code", 0)
        if code == _UNKNOWN_TOPIC:
            continue
        if code != 0:  # e.g. LEADER_NOT_AVAILABLE while it is being created
            settling.append(t["name"])
            continue
        counts[t["name"]] = len(t.get("partitions") or [])
    if settling:
        admin.wait_for_topics(settling, timeout_ms=int(timeout_s * 1000))
        for t in admin.describe_topics(settling):
            counts[t["name"]] = len(t.get("partitions") or [])
    return counts


def ensure_topics(bootstrap_servers: str, topics: Topics, timeout_s: float = 30.0) -> list[str]:
    """Create the registry's missing topics; return the names created by this call."""
    import kafka.errors as kerr

    specs = {s.name: s for s in topics.all()}
    names = list(specs)
    admin = _admin(bootstrap_servers, timeout_s)
    try:
        existing = _partition_counts(admin, names, timeout_s)
        _check(existing, specs)
        missing = [n for n in names if n not in existing]
        created: list[str] = []
        if missing:
            request = {
                n: {
                    "num_partitions": specs[n].partitions,
                    "replication_factor": -1,  # the broker's default.replication.factor
                    "configs": dict(specs[n].config),
                }
                for n in missing
            }
            response = admin.create_topics(request, timeout_ms=int(timeout_s * 1000), raise_errors=False)
            raced = []
            for t in response["topics"]:
                code = t.get("error_code", 0)
                if code == 0:
                    created.append(t["name"])
                elif code == _TOPIC_ALREADY_EXISTS:
                    raced.append(t["name"])
                else:
                    err = kerr.for_code(code).__name__
                    raise TopicProvisioningError(f"creating {t['name']} failed: {err} {t.get('error_message') or ''}")
            if raced:  # created meanwhile by someone else, maybe not yet in the metadata
                admin.wait_for_topics(raced, timeout_ms=int(timeout_s * 1000))
                _check(_partition_counts(admin, raced, timeout_s), specs)
            if created:
                admin.wait_for_topics(created, timeout_ms=int(timeout_s * 1000))
                log.info("created topics: %s", ", ".join(created))
        return created
    finally:
        admin.close()


def _check(existing: dict[str, int], specs: dict[str, TopicSpec]) -> None:
    mismatches = {n: (count, specs[n].partitions) for n, count in existing.items() if count != specs[n].partitions}
    if mismatches:
        raise TopicPartitionMismatch(mismatches)


def delete_topics(bootstrap_servers: str, names: list[str], timeout_s: float = 30.0) -> None:
    """Delete topics (tests clean up their prefixed topics); missing ones are ignored."""
    if not names:
        return
    admin = _admin(bootstrap_servers, timeout_s)
    try:
        admin.delete_topics(names, timeout_ms=int(timeout_s * 1000), raise_errors=False)
    finally:
        admin.close()
