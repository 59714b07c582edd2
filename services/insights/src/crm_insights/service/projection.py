"""Applying ``crm.deal`` events to the read models, idempotently.

One application of an event to a deal:
1. read the deal's state (by ``_id``); :func:`advance` says what changes (nothing for a
   duplicate or a superseded version);
2. for each bucket whose counters change, ``increment`` its shard with the marker
   ``<deal>@<rev+1>``; the shard remembers the last marker it took;
3. save the deal's new state (``rev`` + 1, its contribution).
A retry (in process, or after a crash: the offset is committed after step 3) meets the
same stored state, recomputes the same increments, and each shard that already took
them holds this very marker as its last one: nothing is added twice. It is the last
one because a partition's records are applied one at a time and a record is retried
before the next is read.

Sharing: buckets are shared by deals of every customer, and the local store's updates
are read-then-write (two writers of one document may lose an increment). So each
bucket is kept in one shard per topic partition, the application writes to the shard
of the partition its record came from, and the worker handles one record at a time per
partition: one writer per shard document, on any store. A deal whose customer changes
(a merge) continues in the new partition's shard: shards may go negative, the sums
over shards stay exact. Reports add the shards up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, Protocol

from crm_shared.events import CloudEvent, EventData

from crm_insights.domain import deals as d
from crm_insights.service.ports import ReadModels

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent], Awaitable[None]]

current_shard: ContextVar[int] = ContextVar("insights_shard", default=0)
"""The partition of the record being handled (set by the worker's consumer)."""


class Model(Protocol):
    """What the projection needs of one aggregate's pure rules (``domain.deals``, ``domain.tickets``)."""

    KIND: str
    TYPES: tuple[str, ...]

    def state_of(self, doc: dict[str, Any] | None) -> Any: ...

    def advance(self, state: Any, data: EventData) -> Any | None: ...

    def contribution(self, state: Any) -> d.Contribution: ...

    def committed(self, advanced: Any, *, rev: int, contribution: d.Contribution) -> Any: ...

    def state_doc(self, state: Any) -> dict[str, Any]: ...

    def dims_of(self, bucket: str) -> dict[str, str]: ...


class Projection:
    def __init__(self, *, models: ReadModels, model: Model) -> None:
        self._models = models
        self._model = model
        self.applied = 0

    def handlers(self) -> dict[str, Handler]:
        async def handle(event: CloudEvent) -> None:
            await self.on_event(event, shard=current_shard.get())

        return dict.fromkeys(self._model.TYPES, handle)

    async def on_event(self, event: CloudEvent, *, shard: int = 0) -> None:
        m = self._model
        data = event.payload()
        key = f"{m.KIND}:{data.aggregate_id()}"
        state = m.state_of(await self._models.state(key))
        advanced = m.advance(state, data)
        if advanced is None:
            return
        new_contribution = m.contribution(advanced)
        ops = d.diff(state.contribution, new_contribution)
        marker = f"{key}@{state.rev + 1}"
        for bucket, delta in sorted(ops.items()):
            await self._models.increment(bucket, delta, shard=shard, dims=m.dims_of(bucket), marker=marker)
        new = m.committed(advanced, rev=state.rev + 1, contribution=new_contribution)
        await self._models.save_state(key, m.state_doc(new))
        self.applied += 1
