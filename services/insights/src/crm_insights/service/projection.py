"""Applying events to the read models in batches, idempotently.

A batch is a partition's records that arrived together (``adapters/partition_consumer``
gathers them; the batch rebuild folds a whole topic the same way). Applying it:

1. ``recover``: if the partition's previous batch was cut short (a crash, the store
   going away), finish it first from its journal (below);
2. read every state document the batch needs (deals, tickets, customers) by ``_id``;
3. fold the events in order in memory, each through the *steps* of its topic: a step
   reads its documents, says what they become and which bucket counters change (the
   new contribution minus the old one, :func:`crm_insights.domain.deals.diff`). An
   event a step refuses (an error in the pure rules) is left out and reported, so the
   consumer dead-letters that record only;
4. add the batch's increments up per bucket (a bucket whose increments cancel out is
   not written), read the partition's shards of the changed buckets (by ``_id``) and
   compute their new counters;
5. ``commit``: write the journal (the new state and shard documents, whole), then the
   shards and the states (one bulk write per collection), then mark the journal done.

Idempotency: a duplicate or superseded event changes no state (``advance`` says
nothing changes), so a redelivered record costs a read. A retry after a cut-short
commit first replays the journal, whose documents are absolute values (not
increments): writing them twice is writing them once. Then the redelivered events meet
the committed states and change nothing, whatever the new batch's boundaries.

Sharing: buckets are shared by deals of every customer, and the local store's updates
are read-then-write. So each bucket is kept in one shard per topic partition, and a
partition's batches are applied one at a time: one writer per shard document, on any
store. A deal whose customer changes (a merge) continues in the new partition's shard:
shards may go negative, the sums over shards stay exact. Reports add the shards up.
"""

from __future__ import annotations

import logging
from collections import ChainMap
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from crm_shared.events import CloudEvent, EventData

from crm_insights.domain import deals as d
from crm_insights.service.ports import Doc, ReadModels

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent], Awaitable[None]]

current_shard: ContextVar[int] = ContextVar("insights_shard", default=0)
"""The partition of the record being handled (set by the worker's consumer)."""


class Model(Protocol):
    """What a projection needs of one aggregate's pure rules (``domain.deals``, ``domain.tickets``)."""

    KIND: str
    TYPES: tuple[str, ...]

    def state_of(self, doc: dict[str, Any] | None) -> Any: ...

    def advance(self, state: Any, data: EventData) -> Any | None: ...

    def contribution(self, state: Any) -> d.Contribution: ...

    def committed(self, advanced: Any, *, rev: int, contribution: d.Contribution) -> Any: ...

    def state_doc(self, state: Any) -> dict[str, Any]: ...

    def dims_of(self, bucket: str) -> dict[str, str]: ...


@dataclass
class Pending:
    """What applying events changes: state documents by key (None: deleted) and bucket increments."""

    states: dict[str, Doc | None] = field(default_factory=dict)
    ops: dict[str, d.Counters] = field(default_factory=dict)
    dims: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, bucket: str, delta: Mapping[str, int], dims: dict[str, str]) -> None:
        into = self.ops.setdefault(bucket, {})
        for name, value in delta.items():
            into[name] = into.get(name, 0) + value
        self.dims[bucket] = dims

    def merge(self, other: Pending) -> None:
        self.states.update(other.states)
        for bucket, delta in other.ops.items():
            self.add(bucket, delta, other.dims[bucket])


@dataclass(frozen=True)
class Erasure:
    """A batch item: delete this customer's documents (and refuse its later events)."""

    customer_id: str


Item = CloudEvent | Erasure


class Step(Protocol):
    """One read model an event feeds: the state keys it reads, and what it changes."""

    def keys(self, data: EventData) -> list[str]: ...

    async def prepare(self, payloads: Sequence[EventData]) -> None:
        """Before the fold: what the step needs to know about the batch beyond its documents."""
        ...

    def erase_keys(self, customer_id: str) -> list[str]:
        """The state keys :meth:`erase` reads."""
        ...

    def erase(self, customer_id: str, docs: Mapping[str, Doc | None], out: Pending) -> None: ...

    def apply(self, data: EventData, docs: Mapping[str, Doc | None], out: Pending) -> None: ...


class ModelStep:
    """The figures of one aggregate (deal or ticket): its state and its buckets."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def keys(self, data: EventData) -> list[str]:
        return [f"{self.model.KIND}:{data.aggregate_id()}"]

    async def prepare(self, payloads: Sequence[EventData]) -> None:
        return None

    def erase_keys(self, customer_id: str) -> list[str]:
        return []

    def erase(self, customer_id: str, docs: Mapping[str, Doc | None], out: Pending) -> None:
        return None  # the figures keep no personal data: ids, amounts, dates

    def apply(self, data: EventData, docs: Mapping[str, Doc | None], out: Pending) -> None:
        m = self.model
        key = self.keys(data)[0]
        state = m.state_of(docs.get(key))
        advanced = m.advance(state, data)
        if advanced is None:
            return
        contribution = m.contribution(advanced)
        for bucket, delta in d.diff(state.contribution, contribution).items():
            out.add(bucket, delta, m.dims_of(bucket))
        out.states[key] = m.state_doc(m.committed(advanced, rev=state.rev + 1, contribution=contribution))


class Applier:
    """Applies batches of one topic's events through its steps (see the module's doc)."""

    def __init__(self, *, models: ReadModels, name: str, types: Sequence[str], steps: Sequence[Step]) -> None:
        self._models = models
        self.name = name
        self.types = tuple(types)
        self._steps = tuple(steps)
        self.applied = 0

    async def on_event(self, event: Item, *, shard: int = 0) -> None:
        """A batch of one (unit tests, callers without a batcher): raises the item's error."""
        (error,) = await self.apply([event], shard=shard)
        if error is not None:
            raise error

    def handlers(self) -> dict[str, Handler]:
        async def handle(event: CloudEvent) -> None:
            await self.on_event(event, shard=current_shard.get())

        return dict.fromkeys(self.types, handle)

    async def apply(self, items: Sequence[Item], *, shard: int) -> list[Exception | None]:
        """Applies ``items`` (one partition's, in order); per item, the error that left it out."""
        journal = f"{self.name}#{shard}"
        await self._models.recover(journal)
        errors: list[Exception | None] = [None] * len(items)
        payloads: list[EventData | Erasure | None] = []
        keys: set[str] = set()
        for i, item in enumerate(items):
            if isinstance(item, Erasure):
                payloads.append(item)
                keys.update(k for step in self._steps for k in step.erase_keys(item.customer_id))
                continue
            try:
                payload: EventData | None = item.payload()
                keys.update(k for step in self._steps for k in step.keys(payload))  # type: ignore[arg-type]
            except Exception as exc:  # a payload the rules refuse: this record is poison, not the batch
                errors[i], payload = exc, None
            payloads.append(payload)
        events = [p for p in payloads if p is not None and not isinstance(p, Erasure)]
        for step in self._steps:
            await step.prepare(events)
        stored: dict[str, Doc | None] = dict(await self._models.states(sorted(keys)))
        batch = Pending()
        for i, entry in enumerate(payloads):
            one = Pending()
            try:
                for step in self._steps:
                    docs = ChainMap(one.states, batch.states, stored)
                    if isinstance(entry, Erasure):
                        step.erase(entry.customer_id, docs, one)
                    elif entry is not None:
                        step.apply(entry, docs, one)
            except Exception as exc:
                errors[i] = exc
                continue
            batch.merge(one)
            self.applied += entry is not None
        await self._commit(journal, batch, shard)
        return errors

    async def _commit(self, journal: str, batch: Pending, shard: int) -> None:
        changed = {b: delta for b, delta in batch.ops.items() if any(delta.values())}
        if not batch.states and not changed:
            return
        ids = {f"{b}#{shard}": b for b in changed}
        current = await self._models.shards(sorted(ids))
        shards: dict[str, Doc] = {}
        for shard_id, bucket in ids.items():
            doc = {k: v for k, v in (current.get(shard_id) or {}).items() if k != "_id"}
            doc.update(batch.dims[bucket])
            for name, value in changed[bucket].items():
                doc[name] = doc.get(name, 0) + value
            shards[shard_id] = doc
        await self._models.commit(journal, states=batch.states, shards=shards)
