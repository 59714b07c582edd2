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

from crm_shared.events import CloudEvent

from crm_insights.domain import deals as d
from crm_insights.service.ports import ReadModels

log = logging.getLogger(__name__)

DEAL_TYPES = ("crm.deal.created", "crm.deal.updated", "crm.deal.stage_changed", "crm.deal.won", "crm.deal.lost")
STAGE_DIMS = ("pipeline_id", "stage", "status", "owner", "team", "currency", "period")
FLOW_DIMS = ("pipeline_id", "from_stage", "to_stage", "owner", "team", "period")

current_shard: ContextVar[int] = ContextVar("insights_shard", default=0)
"""The partition of the record being handled (set by the worker's consumer)."""


def dims_of(bucket: str) -> dict[str, str]:
    kind, *values = d.parse_bucket_id(bucket)
    names = STAGE_DIMS if kind == "stage" else FLOW_DIMS
    return {"kind": kind, **dict(zip(names, values, strict=True))}


class DealProjection:
    def __init__(self, *, models: ReadModels) -> None:
        self._models = models
        self.applied = 0

    def handlers(self) -> dict[str, Callable[[CloudEvent], Awaitable[None]]]:
        async def handle(event: CloudEvent) -> None:
            await self.on_event(event, shard=current_shard.get())

        return dict.fromkeys(DEAL_TYPES, handle)

    async def on_event(self, event: CloudEvent, *, shard: int = 0) -> None:
        data = event.payload()
        deal_id = data.aggregate_id()
        state = d.state_of(await self._models.deal(deal_id))
        advanced = d.advance(state, data)
        if advanced is None:
            return
        new_contribution = d.contribution(advanced)
        ops = d.diff(state.contribution, new_contribution)
        marker = f"{deal_id}@{state.rev + 1}"
        for bucket, delta in sorted(ops.items()):
            await self._models.increment(bucket, delta, shard=shard, dims=dims_of(bucket), marker=marker)
        new = d.DealState(
            version=advanced.version,
            rev=state.rev + 1,
            facts=advanced.facts,
            stays=advanced.stays,
            contribution=new_contribution,
        )
        await self._models.save_deal(deal_id, d.state_doc(new))
        self.applied += 1
