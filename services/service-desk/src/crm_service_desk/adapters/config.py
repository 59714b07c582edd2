"""Configuration aggregates: SLA policies and support groups (no events; revisions
give them optimistic concurrency and an audit trail), and the persisted
round-robin cursor of each group."""

from __future__ import annotations

from datetime import datetime

from crm_shared.aggregates import AggregateStore
from crm_shared.errors import NotFound
from crm_shared.mongo import Database, Document
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from crm_service_desk.domain.sla import PolicyRules


def policy_rules(docs: list[Document]) -> list[tuple[str, PolicyRules]]:
    """The editable part of stored policies (the rest is bookkeeping: version, dates)."""
    fields = PolicyRules.model_fields
    return [(d["_id"], PolicyRules.model_validate({k: v for k, v in d.items() if k in fields})) for d in docs]


class PolicyRepository:
    def __init__(self, db: Database) -> None:
        self.store = AggregateStore(db, snapshots="sla_policies", publisher=None)

    async def get(self, policy_id: str) -> Document:
        doc = await self.store.get(policy_id)
        if doc is None:
            raise NotFound(f"SLA policy {policy_id} does not exist")
        return doc

    async def all(self) -> list[Document]:
        return await self.store.snapshots.find({}).sort([("position", ASCENDING), ("_id", ASCENDING)]).to_list(None)

    async def rules(self) -> list[tuple[str, PolicyRules]]:
        return policy_rules(await self.all())

    async def commit(self, policy_id: str, *, expected_version: int, doc: Document, actor: str) -> int:
        return await self.store.commit(
            aggregate_id=policy_id,
            expected_version=expected_version,
            snapshot=doc,
            events=[],
            actor=actor,
            changes={"op": "policy"},
        )


class GroupRepository:
    def __init__(self, db: Database) -> None:
        self.store = AggregateStore(db, snapshots="groups", publisher=None)
        self.slots = db["assignment_slots"]

    async def ensure_indexes(self) -> None:
        await self.slots.create_index([("group", ASCENDING), ("n", DESCENDING)], name="group_n")

    async def get(self, name: str) -> Document | None:
        return await self.store.get(name)

    async def all(self) -> list[Document]:
        return await self.store.snapshots.find({}).sort("_id", ASCENDING).to_list(None)

    async def commit(self, name: str, *, expected_version: int, doc: Document, actor: str) -> int:
        return await self.store.commit(
            aggregate_id=name,
            expected_version=expected_version,
            snapshot=doc,
            events=[],
            actor=actor,
            changes={"op": "group"},
        )

    async def next_slot(self, group: str, *, now: datetime) -> int:
        """The group's next round-robin slot: claimed by a unique insert, so two
        concurrent assignments never get the same one (no read-modify-write)."""
        last = await self.slots.find({"group": group}, {"n": 1}).sort("n", DESCENDING).limit(1).to_list(None)
        n = int(last[0]["n"]) + 1 if last else 0
        while True:
            try:
                await self.slots.insert_one({"_id": f"{group}:{n:012d}", "group": group, "n": n, "at": now})
                break
            except DuplicateKeyError:
                n += 1
        await self.slots.delete_many({"group": group, "n": {"$lt": n - 100}})  # keep the cursor small
        return n
