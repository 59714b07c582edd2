"""In-memory fakes of every port: the use cases without I/O (unit tests).

They keep the same contracts as the Mongo adapters: deals, leads and configurations
are ``crm_shared.aggregates.InMemoryAggregateStore``s (held to the store's behaviour
by its contract suite) with the same reads; a claim or turn taken twice answers False,
lists are newest first, and what is stored is a copy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from crm_shared.aggregates import InMemoryAggregateStore

from crm_sales.adapters.memory_outside import FakeContacts, InMemoryFacts, InMemoryReplica
from crm_sales.adapters.mongo import total_by_stage
from crm_sales.domain.erasure import scrub
from crm_sales.domain.permissions import Scope
from crm_sales.service.ports import ActivityQuery, Document, Kind, Page, StageTotal

__all__ = [
    "FakeContacts",
    "InMemoryActivityLog",
    "InMemoryConfigs",
    "InMemoryDeals",
    "InMemoryFacts",
    "InMemoryLeads",
    "InMemoryReminders",
    "InMemoryReplica",
    "InMemoryTurnLog",
]


def _visible(doc: Mapping[str, Any], scope: Scope) -> bool:
    return scope.everything or doc.get("owner_id") == scope.owner_id or doc.get("team") in scope.teams


def _newest_first(docs: Iterable[Document]) -> list[Document]:
    by_id = sorted(docs, key=lambda d: d["_id"])
    return sorted(by_id, key=lambda d: d["created_at"], reverse=True)


class _Snapshots(InMemoryAggregateStore):
    """The shared fake's snapshots and revisions, read by the queries below (a fake of
    a store's secondary reads has to see the fake's data)."""

    @property
    def docs(self) -> dict[str, Document]:
        return self._snapshots

    def revisions_of(self, aggregate_id: str) -> list[Document]:
        return [r for r in self._revisions.values() if r["aggregate_id"] == aggregate_id]


class InMemoryConfigs(_Snapshots):
    async def all(self) -> list[Document]:
        return [copy.deepcopy(self.docs[k]) for k in sorted(self.docs)]


class InMemoryRecords(_Snapshots):
    async def search(self, filters: Mapping[str, Any], *, visible: Scope, page: Page) -> tuple[list[Document], int]:
        wanted = {k: v for k, v in filters.items() if v is not None}
        hits = _newest_first(
            d for d in self.docs.values() if all(d.get(k) == v for k, v in wanted.items()) and _visible(d, visible)
        )
        return copy.deepcopy(hits[page.offset : page.offset + page.limit]), len(hits)

    async def ids_where(self, *, customer_id: str, emails: Sequence[str] = ()) -> list[str]:
        return [
            i
            for i, d in self.docs.items()
            if d.get("customer_id") == customer_id or (emails and d.get("email") in emails)
        ]

    async def idle(
        self, *, statuses: Sequence[str], cut: datetime, after_id: str | None, limit: int
    ) -> list[tuple[str, datetime]]:
        hits = sorted(
            (i, d["idle_since"])
            for i, d in self.docs.items()
            if d.get("status") in statuses
            and d["idle_since"] <= cut
            and not d.get("anonymized")
            and (after_id is None or i > after_id)
        )
        return hits[:limit]

    async def scrub_history(self, aggregate_id: str, keys: frozenset[str], *, below: int) -> None:
        for rev in self.revisions_of(aggregate_id):
            if rev["version"] < below:
                rev["snapshot"] = scrub(rev["snapshot"], keys)
                rev["changes"] = scrub(rev["changes"], keys)


class InMemoryDeals(InMemoryRecords):
    async def count_in_stages(self, pipeline_id: str, stages: Sequence[str]) -> int:
        return sum(d["pipeline_id"] == pipeline_id and d["stage"] in stages for d in self.docs.values())

    async def stage_totals(self, pipeline_id: str, *, visible: Scope) -> list[StageTotal]:
        return total_by_stage(d for d in self.docs.values() if d["pipeline_id"] == pipeline_id and _visible(d, visible))


class InMemoryLeads(InMemoryRecords):
    async def open_by_email(self, emails: Sequence[str], statuses: Sequence[str]) -> dict[str, str]:
        return {d["email"]: i for i, d in self.docs.items() if d.get("email") in emails and d["status"] in statuses}

    async def stale_conversions(self, *, states: Sequence[str], older_than: datetime, limit: int) -> list[str]:
        return [
            i
            for i, d in sorted(self.docs.items())
            if (conv := d.get("conversion"))
            and conv["state"] in states
            and conv["updated_at"] <= older_than
            and not d.get("anonymized")
        ][:limit]


class InMemoryTurnLog:
    def __init__(self) -> None:
        self.turns: dict[tuple[str, int], Document] = {}

    async def last_turn(self, rule_id: str) -> int | None:
        return max((n for r, n in self.turns if r == rule_id), default=None)

    async def take(self, rule_id: str, n: int, *, lead_id: str, owner_id: str, at: datetime) -> bool:
        if (rule_id, n) in self.turns:
            return False
        self.turns[(rule_id, n)] = {"lead_id": lead_id, "owner_id": owner_id, "at": at}
        return True


class InMemoryActivityLog:
    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}

    async def insert(self, doc: Document) -> bool:
        if doc["_id"] in self.docs:
            return False
        self.docs[doc["_id"]] = copy.deepcopy(doc)
        return True

    async def get(self, activity_id: str) -> Document | None:
        return copy.deepcopy(self.docs.get(activity_id))

    async def replace(self, doc: Document) -> None:
        self.docs[doc["_id"]] = copy.deepcopy(doc)

    async def search(self, query: ActivityQuery, page: Page) -> tuple[list[Document], int]:
        def fits(d: Document) -> bool:
            parent = d.get("deal_id") == query.deal_id if query.deal_id else d.get("lead_id") == query.lead_id
            kind_ok = query.kind is None or d["kind"] == query.kind
            task_ok = not query.open_tasks or (d["kind"] == "task" and not d.get("done"))
            return parent and kind_ok and task_ok

        hits = sorted(
            sorted((d for d in self.docs.values() if fits(d)), key=lambda d: d["_id"]),
            key=lambda d: d["occurred_at"],
            reverse=True,
        )
        return copy.deepcopy(hits[page.offset : page.offset + page.limit]), len(hits)

    async def latest_at(self, kind: Kind, parent_id: str) -> datetime | None:
        return max((d["occurred_at"] for d in self.docs.values() if d.get(f"{kind}_id") == parent_id), default=None)

    async def anonymise(self, *, deal_ids: Sequence[str], lead_ids: Sequence[str], subject: str) -> int:
        n = 0
        for d in self.docs.values():
            if d.get("deal_id") in deal_ids or d.get("lead_id") in lead_ids:
                d.update(subject=subject, body=None, anonymized=True)
                n += 1
        return n


class InMemoryReminders:
    def __init__(self) -> None:
        self.claims: dict[str, Document] = {}
        self.leases: set[str] = set()

    async def taken(self, claim_ids: Iterable[str]) -> set[str]:
        return {c for c in claim_ids if c in self.claims}

    async def claim(self, doc: Document) -> bool:
        if doc["_id"] in self.claims:
            return False
        self.claims[doc["_id"]] = copy.deepcopy(doc)
        return True

    async def unpublished(self, *, older_than: datetime, limit: int) -> list[Document]:
        stale = [c for c in self.claims.values() if not c["published"] and c["created_at"] <= older_than]
        return copy.deepcopy(sorted(stale, key=lambda c: c["created_at"])[:limit])

    async def lease(self, lease_id: str, at: datetime) -> bool:
        if lease_id in self.leases:
            return False
        self.leases.add(lease_id)
        return True

    async def mark_published(self, claim_ids: Sequence[str], at: datetime) -> None:
        for cid in claim_ids:
            self.claims[cid].update(published=True, published_at=at)

    async def close_for(self, subject_id: str, at: datetime) -> None:
        for c in self.claims.values():
            if c["subject_id"] == subject_id and not c["done"]:
                c.update(done=True, done_at=at)

    async def silence(self, subject_ids: Sequence[str], scrub: Callable[[Document], Document]) -> None:
        for cid, c in list(self.claims.items()):
            if c["subject_id"] in subject_ids:
                self.claims[cid] = {**scrub(c), "done": True, "published": True, "silenced": True}

    async def open(self, *, owner_id: str | None, visible: Scope, limit: int) -> list[Document]:
        hits = [
            c
            for c in self.claims.values()
            if not c["done"] and (owner_id is None or c["owner_id"] == owner_id) and _visible(c, visible)
        ]
        hits.sort(key=lambda c: c["created_at"], reverse=True)
        return [{k: v for k, v in c.items() if k != "event"} for c in copy.deepcopy(hits[:limit])]
