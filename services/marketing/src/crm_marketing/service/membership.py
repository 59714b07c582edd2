"""Segment membership: one aggregate per customer (its segments), so every change is a
committed revision and its ``crm.segment.membership_changed`` events leave by the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.aggregates.port import AggregateStorePort
from crm_shared.errors import VersionConflict
from crm_shared.events import Actor, CloudEvent, SegmentMembershipChanged
from crm_shared.kafka.consumer import TransientError

ACTOR = Actor.system("marketing")
ATTEMPTS = 8


@dataclass(frozen=True)
class Cause:
    kind: str
    """The CloudEvents type that changed the customer, or ``segment.saved`` / ``segment.deleted``."""
    event_id: str | None = None


class Memberships:
    def __init__(self, store: AggregateStorePort, *, topic: str) -> None:
        self.store = store
        self._topic = topic

    async def of(self, customer_id: str) -> dict[str, Any]:
        doc = await self.store.get(customer_id)
        return dict((doc or {}).get("segments", {}))

    async def apply(self, customer_id: str, decisions: Mapping[str, bool], *, cause: Cause, at: datetime) -> int:
        """Set membership of the given segments (others unchanged); returns how many changed.

        Read, diff, commit; a concurrent writer (the other topic's consumer, a backfill)
        makes the commit fail on the version and the diff is made again."""
        for _ in range(ATTEMPTS):
            doc = await self.store.get(customer_id)
            version = int(doc["version"]) if doc else 0
            segments: dict[str, Any] = dict((doc or {}).get("segments", {}))
            changes = [(s, inside) for s, inside in sorted(decisions.items()) if inside != (s in segments)]
            if not changes:
                return 0
            events: list[tuple[str, CloudEvent]] = []
            for segment_id, inside in changes:
                if inside:
                    segments[segment_id] = {"since": at}
                else:
                    segments.pop(segment_id, None)
                data = SegmentMembershipChanged(
                    customer_id=customer_id,
                    version=version + 1,
                    segment_id=segment_id,
                    change="entered" if inside else "left",
                    cause=cause.kind,
                    cause_event_id=cause.event_id,
                    at=at,
                )
                # One revision, several events: each its own id, all the revision's sequence.
                events.append((self._topic, CloudEvent.wrap(data, actor=ACTOR, time=at, causation_id=cause.event_id)))
            try:
                await self.store.commit(
                    aggregate_id=customer_id,
                    expected_version=version,
                    snapshot={"segments": segments},
                    events=events,
                    actor=ACTOR.id,
                    changes={"segments": [s for s, _ in changes]},
                )
            except VersionConflict:
                continue
            return len(changes)
        raise TransientError(f"membership of {customer_id} kept changing")  # retried by the consumer
