"""Customers in MongoDB: snapshots in ``customers``, every version in ``revisions``
(``crm_shared.aggregates.AggregateStore``: concurrency check, audit trail and outbox)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from typing import Any

from crm_shared.aggregates import AggregateStore, Publisher, revision_id
from crm_shared.aggregates.base import Commit
from crm_shared.errors import VersionConflict
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Database, Document, find_by_ids
from pymongo import ASCENDING, DESCENDING

from crm_contacts.adapters.documents import from_document, redacted_changes, search_tokens, to_document
from crm_contacts.adapters.mongo_keys import MongoCustomerKeys
from crm_contacts.adapters.mongo_lists import MongoCustomerLists
from crm_contacts.domain.customer import Customer
from crm_contacts.domain.lookup_keys import LookupKey, company_name_key, company_name_keys, email_domain
from crm_contacts.service.ports import CustomerCommit, CustomerQuery, Stored

COLLECTION = "customers"
LIVE = {"archived": False}
NOT_ERASED = {"erased": {"$exists": False}}
KEY_SCAN = 1000
"""Customers read for one exact-key question (most recently listed first)."""
SCRUB_AT_ONCE = 16
"""Revisions an erasure rewrites concurrently."""


def build_filter(q: CustomerQuery) -> Document:
    clauses: list[Document] = [LIVE if not q.include_archived else NOT_ERASED]
    for name in ("lifecycle_stage", "owner_id", "region", "industry", "kind", "company_id"):
        value = getattr(q, name)
        if value is not None:
            clauses.append({name: value})
    if q.tag:
        clauses.append({"tags": q.tag})
    if q.email:
        clauses.append({"emails": q.email})
    if q.phone:
        clauses.append({"phones": q.phone})
    if q.email_domain:  # a suffix: scans the emails index, not the collection (lookups are rare)
        clauses.append({"emails": {"$regex": "@" + re.escape(q.email_domain) + "$"}})
    if q.updated_since:
        clauses.append({"updated_at": {"$gte": q.updated_since}})
    clauses += [{"search_tokens": {"$regex": "^" + re.escape(tok)}} for tok in q.name_tokens]
    if q.after is not None:
        at, last_id = q.after
        op = "$lt" if q.order == "desc" else "$gt"
        clauses.append({"$or": [{"updated_at": {op: at}}, {"updated_at": at, "_id": {op: last_id}}]})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _loaded(c: CustomerCommit) -> bool:
    return c.before is not None and c.expected_version > 0 and c.before.version == c.expected_version


class MongoCustomerRepository:
    def __init__(self, db: Database, *, publisher: Publisher | None, key_secret: str) -> None:
        self.store = AggregateStore(db, snapshots=COLLECTION, publisher=publisher)
        self._coll = self.store.snapshots
        self._revisions = self.store.revisions
        self.keys = MongoCustomerKeys(db, secret=key_secret)
        self.lists = MongoCustomerLists(db)

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()
        for keys in (
            ["emails"],
            ["phones"],
            ["company_id"],
            ["search_tokens"],
            ["tags"],
            ["owner_id"],
            ["merged_into"],
        ):
            await self._coll.create_index([(k, ASCENDING) for k in keys])
        await self._coll.create_index([("updated_at", DESCENDING), ("_id", DESCENDING)], name="updated_id")
        await self.keys.build_once(self._coll)
        await self.lists.build_once(self._coll)

    async def get(self, customer_id: str) -> Stored | None:
        doc = await self._coll.find_one({"_id": customer_id})
        return from_document(doc) if doc else None

    async def _customers(
        self, query: Document, *, limit: int, sort: list[tuple[str, int]] | None = None
    ) -> list[Customer]:
        cursor = self._coll.find(query)
        if sort:
            cursor = cursor.sort(sort)
        docs = await cursor.limit(limit).to_list(None)
        return [c for c in map(from_document, docs) if isinstance(c, Customer)]

    async def get_many(self, ids: Sequence[str]) -> list[Customer]:
        # One ``{_id: {$in: [...]}}``: the store's ``_id`` index serves it (crm_devtools' FerretDB build too).
        docs = await find_by_ids(self._coll, ids)
        return [c for c in (from_document(docs[i]) for i in dict.fromkeys(ids) if i in docs) if isinstance(c, Customer)]

    async def _having(self, keys: Iterable[LookupKey], *, limit: int) -> list[Customer]:
        """The customers listed under any of ``keys`` (the most recently listed ``limit``);
        the caller checks they still have the key (the lists are a superset)."""
        return await self.get_many((await self.keys.ids(keys))[-limit:])

    async def find(self, query: CustomerQuery, *, limit: int) -> list[Customer]:
        listed = await self.lists.find(self._coll, query, limit=limit)
        if listed is not None:  # by owner or region: from ``customer_lists``, no scan
            return listed
        direction = DESCENDING if query.order == "desc" else ASCENDING
        return await self._customers(
            build_filter(query), limit=limit, sort=[("updated_at", direction), ("_id", direction)]
        )

    async def sharing_contacts(
        self, emails: Sequence[str], phones: Sequence[str], *, limit: int = 50
    ) -> list[Customer]:
        keys: list[LookupKey] = [("email", e) for e in emails] + [("phone", p) for p in phones]
        found = await self._having(keys, limit=KEY_SCAN) if keys else []
        return [c for c in found if set(c.emails) & set(emails) or set(c.phones) & set(phones)][:limit]

    async def people_of(self, company_id: str, *, limit: int = 200) -> list[Customer]:
        found = await self._having([("people", company_id)], limit=KEY_SCAN)
        return [c for c in found if c.kind == "person" and c.company_id == company_id and not c.archived][:limit]

    async def companies_sharing_words(self, tokens: Sequence[str], *, limit: int = 200) -> list[Customer]:
        found = await self._having([("company_token", t) for t in tokens], limit=KEY_SCAN)
        return [c for c in found if c.kind == "company" and not c.archived and set(tokens) & set(search_tokens(c))][
            :limit
        ]

    async def companies_named(self, name: str, *, limit: int) -> list[Customer]:
        wanted = company_name_key(name)
        found = await self._having([("company", wanted)], limit=KEY_SCAN)
        return [c for c in found if c.kind == "company" and wanted in company_name_keys(c)][:limit]

    async def at_domain(self, domain: str, *, limit: int) -> list[Customer]:
        found = await self._having([("domain", domain)], limit=limit)
        return [c for c in found if any(email_domain(e) == domain for e in c.emails)]

    async def merged_into(self, survivor_id: str) -> list[Customer]:
        return await self._customers({"merged_into": survivor_id}, limit=1000)

    async def commit(
        self,
        *,
        state: Stored,
        expected_version: int,
        events: Sequence[tuple[str, CloudEvent]],
        actor: str,
        audit: Document,
    ) -> int:
        (outcome,) = await self.commit_many([CustomerCommit(state, expected_version, events, actor, audit)])
        if isinstance(outcome, VersionConflict):
            raise outcome
        return outcome

    async def commit_many(self, commits: Sequence[CustomerCommit]) -> list[int | VersionConflict]:
        """The keys and list entries of what the customers become are added before the
        commit, those they no longer have removed after (a failed commit leaves extras,
        never a missing one); the revisions go through ``AggregateStore.commit_many``."""
        firsts = {c.state.id: c for c in reversed(commits)}  # each customer's first commit here
        lasts = {c.state.id: c for c in commits}
        # What each was: the state its writer loaded when it says so (no read again: if the
        # store moved on since, the revision insert loses anyway), else read.
        loaded = {i: c.before for i, c in firsts.items() if c.before is not None and _loaded(c)}
        unread = [i for i, c in firsts.items() if c.expected_version and i not in loaded]
        old_docs = await find_by_ids(self._coll, unread) if unread else {}
        old = {i: to_document(loaded[i]) if i in loaded else old_docs.get(i) for i in firsts}
        before = {
            i: self.keys.keys_of(loaded[i] if i in loaded else from_document(d) if d else None) for i, d in old.items()
        }
        after = {i: self.keys.keys_of(c.state) for i, c in lasts.items()}
        new = {i: to_document(c.state) for i, c in lasts.items()}
        await self.keys.add_many({i: after[i] - before[i] for i in lasts})
        await asyncio.gather(
            *(self.lists.before_commit(i, old[i], new[i]) for i in lasts if self._listed(old[i], new[i]))
        )
        outcomes = await self.store.commit_many(
            [Commit(c.state.id, c.expected_version, to_document(c.state), c.events, c.actor, c.audit) for c in commits]
        )
        stored = {c.state.id: o for c, o in zip(commits, outcomes, strict=True) if not isinstance(o, VersionConflict)}
        # Entries of what it no longer is go once committed (a failed commit leaves only extras).
        await asyncio.gather(
            *(self.lists.after_commit(i, old[i], new[i]) for i in stored if self._listed(old[i], new[i]))
        )
        for customer_id, version in stored.items():
            if before[customer_id] - after[customer_id]:
                await self.keys.remove(customer_id, before[customer_id] - after[customer_id])
                current = await self.get(customer_id)
                if current is not None and current.version > version:  # a newer write may have needed one back
                    await self.keys.add(customer_id, self.keys.keys_of(current))
        return outcomes

    def _listed(self, old: Document | None, new: Document) -> bool:
        return bool(self.lists.lists_of(old) or self.lists.lists_of(new))

    async def history(self, customer_id: str, *, before: int | None, limit: int) -> list[Document]:
        return await self.store.history(customer_id, limit=limit, before=before)

    async def scrub_history(self, customer_id: str, *, below_version: int) -> int:
        """Every revision below ``below_version`` keeps who changed which field when, never
        a value. Read by ``_id`` (the versions are known: no scan of ``revisions``, which
        every customer's writes make longer), written one by one, a few at once."""
        ids = [revision_id(customer_id, v) for v in range(1, below_version)]
        found = await find_by_ids(self._revisions, ids, {"changes": 1, "version": 1, "kind": 1})
        todo = [
            rev
            for rev in found.values()
            if rev.get("kind") == COLLECTION and not (rev.get("changes") or {}).get("redacted")
        ]

        async def scrub(rev: Document) -> None:
            update: dict[str, Any] = {
                "snapshot": {"_id": customer_id, "version": rev["version"], "redacted": True},
                "events": [],
                "changes": redacted_changes(rev.get("changes") or {}),
            }
            await self._revisions.update_one({"_id": rev["_id"]}, {"$set": update})

        for first in range(0, len(todo), SCRUB_AT_ONCE):
            await asyncio.gather(*(scrub(rev) for rev in todo[first : first + SCRUB_AT_ONCE]))
        return len(todo)

    async def is_published(self, customer_id: str, version: int) -> bool:
        doc = await self._revisions.find_one({"_id": revision_id(customer_id, version)}, {"published": 1})
        return bool(doc and doc.get("published"))

    async def publish_pending(self, customer_id: str) -> None:
        # Sagas send tombstones only once their event is out: wait for the background fast
        # path (a concurrent publish of the same revision would duplicate it), then send
        # what it left (e.g. the broker was away). Only this customer's queue: under load
        # waiting for every queue took an erasure's publish 1.2-3.5 s (R6).
        await self.store.flush(customer_id)
        await self.store.publish_pending(customer_id)
