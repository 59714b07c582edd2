"""The ports of ``crm_sales.service.ports`` over the store (Mongo or FerretDB).

Deals, leads, pipelines and rule sets are ``crm_shared.aggregates.AggregateStore``s
(versions, audit trail, outbox) with the reads the use cases need added. Sums over
amounts are done here in Python: amounts are decimal strings (no Decimal128 in the
local store) and it has no ``$group`` accumulators beyond ``$sum``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.aggregates import AggregateStore
from crm_shared.mongo import Database, Document
from pymongo.errors import DuplicateKeyError

from crm_sales.adapters import collections as names
from crm_sales.adapters.deal_board import DealBoard
from crm_sales.adapters.deal_lists import DealLists
from crm_sales.domain.common import money_str
from crm_sales.domain.erasure import scrub
from crm_sales.domain.permissions import Scope
from crm_sales.service.ports import ActivityQuery, FactQuery, Kind, Page, StageTotal

NEWEST_FIRST = [("created_at", -1), ("_id", 1)]


def _visible(query: dict[str, Any], scope: Scope) -> dict[str, Any]:
    if not scope.everything:
        query["$or"] = [{"owner_id": scope.owner_id}, {"team": {"$in": list(scope.teams)}}]
    return query


class MongoConfigs(AggregateStore):
    async def all(self) -> list[Document]:
        return await self.snapshots.find({}).sort("_id", 1).to_list(None)


class MongoRecords(AggregateStore):
    async def search(self, filters: Mapping[str, Any], *, visible: Scope, page: Page) -> tuple[list[Document], int]:
        query = _visible({k: v for k, v in filters.items() if v is not None}, visible)
        docs = await self.snapshots.find(query).sort(NEWEST_FIRST).skip(page.offset).limit(page.limit).to_list(None)
        return docs, await self.snapshots.count_documents(query)

    async def ids_where(self, *, customer_id: str, emails: Sequence[str] = ()) -> list[str]:
        query: dict[str, Any] = {"customer_id": customer_id}
        if emails:
            query = {"$or": [query, {"email": {"$in": list(emails)}}]}
        return [d["_id"] async for d in self.snapshots.find(query, {"_id": 1})]

    async def idle(
        self, *, statuses: Sequence[str], cut: datetime, after_id: str | None, limit: int
    ) -> list[tuple[str, datetime]]:
        query: dict[str, Any] = {
            "status": {"$in": list(statuses)},
            "idle_since": {"$lte": cut},
            "anonymized": {"$ne": True},
        }
        if after_id is not None:
            query["_id"] = {"$gt": after_id}
        page = await self.snapshots.find(query, {"_id": 1, "idle_since": 1}).sort("_id", 1).limit(limit).to_list(None)
        return [(d["_id"], d["idle_since"]) for d in page]

    async def scrub_history(self, aggregate_id: str, keys: frozenset[str], *, below: int) -> None:
        query = {"aggregate_id": aggregate_id, "kind": self.kind, "version": {"$lt": below}}
        async for rev in self.revisions.find(query):
            clean = {**rev, **{part: scrub(rev.get(part), keys) for part in ("snapshot", "events", "changes")}}
            await self.revisions.replace_one({"_id": rev["_id"]}, clean)


BOARD_FIELDS = {"pipeline_id": 1, "owner_id": 1, "team": 1, "stage": 1, "currency": 1, "amount": 1,
                "stage_probability": 1}  # fmt: skip


class MongoDeals(MongoRecords):
    """Deals, with a rep's deals listed by ``_id`` (``deal_lists``) and the board's totals
    (``deal_board``) kept on each commit."""

    def __init__(self, db: Database, **kwargs: Any) -> None:
        super().__init__(db, **kwargs)
        self.lists = DealLists(db)
        self.board = DealBoard(db)
        self.listen(self.lists, self.board)  # new list entries before a commit, old ones and the board after

    async def ensure_indexes(self) -> None:
        await super().ensure_indexes()
        await self.lists.build_once(self.snapshots)
        await self.board.build_once(self.snapshots, BOARD_FIELDS)

    async def search(self, filters: Mapping[str, Any], *, visible: Scope, page: Page) -> tuple[list[Document], int]:
        listed = await self.lists.search(self.snapshots, filters, visible, limit=page.limit, offset=page.offset)
        if listed is not None:
            return listed
        cards = await self.lists.cards(self.snapshots, filters, visible, limit=page.limit, offset=page.offset)
        if cards is not None:  # the board's cards: the total from the board's counts (no list read whole)
            return cards, await self.board.count(str(filters["pipeline_id"]), visible=visible)
        return await super().search(filters, visible=visible, page=page)

    async def count_in_stages(self, pipeline_id: str, stages: Sequence[str]) -> int:
        return await self.snapshots.count_documents({"pipeline_id": pipeline_id, "stage": {"$in": list(stages)}})

    async def stage_totals(self, pipeline_id: str, *, visible: Scope) -> list[StageTotal]:
        """From the maintained board (``deal_board``): no scan, whatever the number of deals."""
        return await self.board.totals(pipeline_id, visible=visible)


def total_by_stage(docs: Iterable[Mapping[str, Any]]) -> list[StageTotal]:
    """Exact sums per (stage, currency): every deal, whatever the count."""
    sums: dict[tuple[str, str], list[Any]] = {}
    for d in docs:
        amount = Decimal(str(d.get("amount") or "0"))
        acc = sums.setdefault((d["stage"], d["currency"]), [0, Decimal(0), Decimal(0)])
        acc[0] += 1
        acc[1] += amount
        acc[2] += amount * int(d.get("stage_probability") or 0) / 100
    return [
        StageTotal(
            stage=stage, currency=currency, count=n, amount_sum=money_str(total), weighted_sum=money_str(weighted)
        )
        for (stage, currency), (n, total, weighted) in sorted(sums.items())
    ]


class MongoLeads(MongoRecords):
    async def open_by_email(self, emails: Sequence[str], statuses: Sequence[str]) -> dict[str, str]:
        if not emails:
            return {}
        query = {"email": {"$in": list(emails)}, "status": {"$in": list(statuses)}}
        return {d["email"]: d["_id"] async for d in self.snapshots.find(query, {"email": 1})}

    async def stale_conversions(self, *, states: Sequence[str], older_than: datetime, limit: int) -> list[str]:
        query = {
            "conversion.state": {"$in": list(states)},
            "conversion.updated_at": {"$lte": older_than},
            "anonymized": {"$ne": True},
        }
        return [d["_id"] for d in await self.snapshots.find(query, {"_id": 1}).limit(limit).to_list(None)]


class MongoTurnLog:
    def __init__(self, db: Database) -> None:
        self._turns = db[names.TICKETS]

    async def last_turn(self, rule_id: str) -> int | None:
        last = await self._turns.find({"rule_id": rule_id}).sort("n", -1).limit(1).to_list(None)
        return int(last[0]["n"]) if last else None

    async def take(self, rule_id: str, n: int, *, lead_id: str, owner_id: str, at: datetime) -> bool:
        try:
            await self._turns.insert_one(
                {
                    "_id": f"{rule_id}:{n:012d}",
                    "rule_id": rule_id,
                    "n": n,
                    "lead_id": lead_id,
                    "owner_id": owner_id,
                    "at": at,
                }
            )
        except DuplicateKeyError:
            return False
        return True


class MongoActivityLog:
    def __init__(self, db: Database) -> None:
        self._coll = db[names.ACTIVITIES]

    async def insert(self, doc: Document) -> bool:
        try:
            await self._coll.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, activity_id: str) -> Document | None:
        return await self._coll.find_one({"_id": activity_id})

    async def replace(self, doc: Document) -> None:
        await self._coll.replace_one({"_id": doc["_id"]}, doc)

    async def search(self, query: ActivityQuery, page: Page) -> tuple[list[Document], int]:
        q: dict[str, Any] = {"deal_id": query.deal_id} if query.deal_id else {"lead_id": query.lead_id}
        if query.kind:
            q["kind"] = query.kind
        if query.open_tasks:
            q.update(kind="task", done=False)
        docs = (
            await self._coll.find(q)
            .sort([("occurred_at", -1), ("_id", 1)])
            .skip(page.offset)
            .limit(page.limit)
            .to_list(None)
        )
        return docs, await self._coll.count_documents(q)

    async def latest_at(self, kind: Kind, parent_id: str) -> datetime | None:
        latest = await self._coll.find_one({f"{kind}_id": parent_id}, {"occurred_at": 1}, sort=[("occurred_at", -1)])
        return latest["occurred_at"] if latest is not None else None

    async def anonymise(self, *, deal_ids: Sequence[str], lead_ids: Sequence[str], subject: str) -> int:
        parents: list[dict[str, Any]] = [{"deal_id": {"$in": list(deal_ids)}}, {"lead_id": {"$in": list(lead_ids)}}]
        result = await self._coll.update_many(
            {"$or": parents}, {"$set": {"subject": subject, "body": None, "anonymized": True}}
        )
        return int(result.modified_count)


class MongoReminders:
    def __init__(self, db: Database) -> None:
        self._claims = db[names.FOLLOW_UPS]
        self._leases = db[names.FOLLOW_UP_LEASES]

    async def taken(self, claim_ids: Iterable[str]) -> set[str]:
        return {c["_id"] async for c in self._claims.find({"_id": {"$in": list(claim_ids)}}, {"_id": 1})}

    async def claim(self, doc: Document) -> bool:
        try:
            await self._claims.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def unpublished(self, *, older_than: datetime, limit: int) -> list[Document]:
        return (
            await self._claims.find({"published": False, "created_at": {"$lte": older_than}})
            .sort("created_at", 1)
            .limit(limit)
            .to_list(None)
        )

    async def lease(self, lease_id: str, at: datetime) -> bool:
        try:
            await self._leases.insert_one({"_id": lease_id, "at": at})
        except DuplicateKeyError:
            return False
        return True

    async def mark_published(self, claim_ids: Sequence[str], at: datetime) -> None:
        await self._claims.update_many(
            {"_id": {"$in": list(claim_ids)}}, {"$set": {"published": True, "published_at": at}}
        )

    async def close_for(self, subject_id: str, at: datetime) -> None:
        await self._claims.update_many(
            {"subject_id": subject_id, "done": False}, {"$set": {"done": True, "done_at": at}}
        )

    async def silence(self, subject_ids: Sequence[str], scrub: Any) -> None:
        async for claim in self._claims.find({"subject_id": {"$in": list(subject_ids)}}):
            # an erased customer's reminder is never sent: published, done, personal data gone
            await self._claims.replace_one(
                {"_id": claim["_id"]}, {**scrub(claim), "done": True, "published": True, "silenced": True}
            )

    async def open(self, *, owner_id: str | None, visible: Scope, limit: int) -> list[Document]:
        query: dict[str, Any] = {"done": False}
        if owner_id:
            query["owner_id"] = owner_id
        _visible(query, visible)
        return await self._claims.find(query, {"event": 0}).sort("created_at", -1).limit(limit).to_list(None)


class MongoFacts:
    def __init__(self, db: Database) -> None:
        self._facts = db[names.FACTS]

    async def get(self, deal_id: str) -> Document | None:
        return await self._facts.find_one({"_id": deal_id})

    async def insert(self, doc: Document) -> bool:
        try:
            await self._facts.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def replace(self, doc: Document) -> None:
        # by _id alone (the local store indexes nothing else): one writer per deal, as deal
        # events are keyed by customer and handled in order per key
        await self._facts.replace_one({"_id": doc["_id"]}, doc)

    async def find(self, query: FactQuery) -> list[Document]:
        q: dict[str, Any] = {}
        for key in ("pipeline_id", "owner_id", "team"):
            if (value := getattr(query, key)) is not None:
                q[key] = value
        if query.statuses:
            q["status"] = {"$in": list(query.statuses)}
        bounds: dict[str, Any] = {}
        if query.created_from is not None:
            bounds["$gte"] = query.created_from
        if query.created_before is not None:
            bounds["$lt"] = query.created_before
        if bounds:
            q["created_at"] = bounds
        return [d async for d in self._facts.find(q)]
