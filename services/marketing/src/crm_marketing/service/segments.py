"""Segments: saved conditions, their preview, and keeping membership current.

Definitions are aggregates (``segments``). The worker keeps them in memory
(:class:`Catalog`, reloaded every ``segment_refresh_s``) and evaluates every one of
them for the customer of each event (:mod:`.live`); when a definition is new, changed or
deleted it backfills that one segment over the profiles once (:meth:`Catalog.refresh`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.aggregates.port import AggregateStorePort
from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import NotFound
from crm_shared.mongo import Collection
from pydantic import BaseModel, ConfigDict, Field

from crm_marketing.adapters.replicas import Replicas
from crm_marketing.domain import permissions as perm
from crm_marketing.domain.conditions import Group, matches
from crm_marketing.domain.profile import profile
from crm_marketing.service.membership import Cause, Memberships


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    conditions: Group


@dataclass(frozen=True)
class Segment:
    id: str
    version: int
    conditions: Group
    deleted: bool = False


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in {**doc, "id": doc["_id"]}.items() if k != "_id"}


class SegmentService:
    def __init__(self, *, store: AggregateStorePort, replicas: Replicas, clock: Clock, scan_limit: int) -> None:
        self.store = store
        self._replicas = replicas
        self._clock = clock
        self._limit = scan_limit

    async def save(self, *, caller: Principal, body: SegmentIn, segment_id: str | None = None) -> dict[str, Any]:
        perm.require(caller, perm.EDITORS, "edit segments")
        version = 0
        if segment_id is not None:
            current = await self.store.get(segment_id)
            if current is None or current.get("deleted"):
                raise NotFound(f"segment {segment_id} not found")
            version = int(current["version"])
        segment_id = segment_id or f"seg_{uuid.uuid4().hex[:12]}"
        now = self._clock()
        snapshot = {**body.model_dump(mode="json"), "deleted": False, "updated_at": now, "updated_by": caller.sub}
        new = await self.store.commit(
            aggregate_id=segment_id, expected_version=version, snapshot=snapshot, events=[], actor=caller.sub
        )
        return {**snapshot, "id": segment_id, "version": new}

    async def delete(self, *, caller: Principal, segment_id: str) -> None:
        perm.require(caller, perm.EDITORS, "delete segments")
        current = await self.store.get(segment_id)
        if current is None or current.get("deleted"):
            raise NotFound(f"segment {segment_id} not found")
        snapshot = {k: v for k, v in current.items() if k not in ("_id", "version")}
        await self.store.commit(
            aggregate_id=segment_id,
            expected_version=int(current["version"]),
            snapshot={**snapshot, "deleted": True, "updated_at": self._clock()},
            events=[],
            actor=caller.sub,
        )

    async def get(self, *, caller: Principal, segment_id: str) -> dict[str, Any]:
        perm.require(caller, perm.READERS, "read segments")
        doc = await self.store.get(segment_id)
        if doc is None or doc.get("deleted"):
            raise NotFound(f"segment {segment_id} not found")
        return _public(doc)

    async def list(self, *, caller: Principal, snapshots: Collection) -> list[dict[str, Any]]:
        perm.require(caller, perm.READERS, "read segments")
        docs = await snapshots.find({"deleted": False}).to_list(1000)
        return sorted((_public(d) for d in docs), key=lambda d: str(d.get("name", "")))

    async def members(
        self, *, caller: Principal, segment_id: str, memberships: Collection, limit: int
    ) -> dict[str, Any]:
        """The segment's members now (a scan of the membership documents: a list, not per event)."""
        await self.get(caller=caller, segment_id=segment_id)
        key = f"segments.{segment_id}"
        docs = await memberships.find({key: {"$exists": True}}, {"_id": 1}).to_list(None)
        ids = sorted(str(d["_id"]) for d in docs)
        return {"count": len(ids), "customer_ids": ids[:limit]}

    async def preview(self, *, caller: Principal, conditions: Group, sample: int = 10) -> dict[str, Any]:
        """How many known customers the conditions select now (a scan: a report, not per event)."""
        perm.require(caller, perm.READERS, "preview segments")
        total = count = 0
        ids: list[str] = []
        async for customer_id, attrs, deals, tickets in self._replicas.scan(self._limit):
            total += 1
            if matches(conditions, profile(attrs, deals, tickets)):
                count += 1
                if len(ids) < sample:
                    ids.append(customer_id)
        return {"count": count, "of": total, "sample_ids": ids}


class Catalog:
    """The worker's copy of every live segment, and the backfill of changed ones."""

    def __init__(
        self, *, snapshots: Collection, replicas: Replicas, memberships: Memberships, clock: Clock, scan_limit: int
    ) -> None:
        self._snapshots = snapshots
        self._replicas = replicas
        self._memberships = memberships
        self._clock = clock
        self._limit = scan_limit
        self.segments: dict[str, Segment] = {}
        self.loaded = False
        self._applied: dict[str, int] = {}

    def live(self) -> list[Segment]:
        return [s for s in self.segments.values() if not s.deleted]

    async def load(self) -> dict[str, Segment]:
        found: dict[str, Segment] = {}
        async for doc in self._snapshots.find({}):
            try:
                group = Group.model_validate(doc["conditions"])
            except (KeyError, ValueError):
                continue
            found[str(doc["_id"])] = Segment(str(doc["_id"]), int(doc["version"]), group, bool(doc.get("deleted")))
        self.segments = found
        self.loaded = True
        return found

    async def refresh(self) -> int:
        """Reload; backfill each segment whose version this process has not applied yet
        (at start: every segment once, which also repairs what a crash left half done)."""
        await self.load()
        changed = [s for s in self.segments.values() if self._applied.get(s.id) != s.version]
        moved = 0
        for segment in changed:
            moved += await self.backfill(segment)
            self._applied[segment.id] = segment.version
        return moved

    async def backfill(self, segment: Segment) -> int:
        cause = Cause("segment.deleted" if segment.deleted else "segment.saved")
        moved = 0
        now: datetime = self._clock()
        async for customer_id, attrs, deals, tickets in self._replicas.scan(self._limit):
            inside = not segment.deleted and matches(segment.conditions, profile(attrs, deals, tickets))
            moved += await self._memberships.apply(customer_id, {segment.id: inside}, cause=cause, at=now)
        return moved
