"""Customers by exact key, by ``_id`` only: ``customer_keys`` holds ``{_id: "<kind>:<value>",
ids: [...]}`` (``crm_contacts.domain.lookup_keys``).

The local store indexes ``_id`` alone (CONTRIBUTING), so "who has this e-mail" as a
filter on ``customers`` scans them all; here it reads one document. E-mail and phone
keys are an HMAC of the value with the service's secret: the key names no one in clear.

The lists are a superset and readers check the customer itself: a write adds its new
keys before it commits and removes the keys it no longer has after (a failed or racing
commit leaves an extra id, never a missing one). An erased customer has no keys: its
ids are removed, and a key nobody has any more is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping

from crm_shared.mongo import Collection, Database, IdLists, bulk_in_chunks, find_by_ids
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from crm_contacts.adapters.documents import from_document
from crm_contacts.domain.customer import Customer
from crm_contacts.domain.lookup_keys import PERSONAL, LookupKey, lookup_keys
from crm_contacts.service.ports import Stored

COLLECTION = "customer_keys"
MARKER = "built"
"""The document saying the keys were built from the customers, with which secret."""
BUILD_BATCH = 500
log = logging.getLogger(__name__)


class MongoCustomerKeys:
    def __init__(self, db: Database, *, secret: str) -> None:
        self.coll: Collection = db[COLLECTION]
        self._lists = IdLists(self.coll)
        self._secret = secret.encode()

    def key(self, key: LookupKey) -> str:
        kind, value = key
        if kind in PERSONAL:
            value = hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
        return f"{kind}:{value}"

    def keys_of(self, state: Stored | None) -> set[str]:
        return {self.key(k) for k in lookup_keys(state)} if isinstance(state, Customer) else set()

    async def ids(self, keys: Iterable[LookupKey]) -> list[str]:
        """The ids listed under any of ``keys``, most recently added last, each once (one
        ``{_id: {$in}}`` for all the keys)."""
        wanted = [self.key(k) for k in keys]
        docs = await find_by_ids(self.coll, wanted)
        return list(dict.fromkeys(i for k in wanted for i in (docs.get(k) or {}).get("ids", [])))

    async def add(self, customer_id: str, keys: Iterable[str]) -> None:
        await asyncio.gather(*(self._lists.add(k, customer_id) for k in keys))

    async def add_many(self, keys_by_id: Mapping[str, Iterable[str]]) -> None:
        """``add`` for many customers, in bulk (one command per ``BULK_MAX`` keys)."""
        lists: dict[str, list[str]] = defaultdict(list)
        for customer_id, keys in keys_by_id.items():
            for key in keys:
                lists[key].append(customer_id)
        if len(lists) <= 1:
            for key, ids in lists.items():
                await asyncio.gather(*(self._lists.add(key, i) for i in ids))
            return
        # New keys (most, in an import) are inserted: one write for all; existing ones are added to.
        items = list(lists.items())
        taken = await bulk_in_chunks(self.coll, [InsertOne({"_id": k, "ids": ids}) for k, ids in items])
        for error in taken.values():
            if not isinstance(error, DuplicateKeyError):
                raise error
        items = [items[i] for i in sorted(taken)]
        ops = [UpdateOne({"_id": k}, {"$addToSet": {"ids": {"$each": ids}}}, upsert=True) for k, ids in items]
        errors = await bulk_in_chunks(self.coll, ops)
        for index, error in errors.items():  # two first adds raced: the other created the document
            if not isinstance(error, DuplicateKeyError):
                raise error
            key, ids = items[index]
            await self.coll.update_one({"_id": key}, {"$addToSet": {"ids": {"$each": ids}}}, upsert=True)

    async def remove(self, customer_id: str, keys: Iterable[str]) -> None:
        for key in keys:
            await self.coll.update_one({"_id": key}, {"$pull": {"ids": customer_id}})
            # The key of an erased address must not stay behind once nobody has it.
            await self.coll.delete_one({"_id": key, "ids": {"$size": 0}})

    def _check(self) -> str:
        return self.key(("email", MARKER))

    async def build_once(self, customers: Collection) -> None:
        """Fill the keys from the customers (one scan) for data from before them, or again
        when the secret changed (the hashed keys changed with it)."""
        marker = await self.coll.find_one({"_id": MARKER})
        if marker is not None and marker.get("check") == self._check():
            return
        if marker is not None:
            await self.coll.delete_many({})
        lists: dict[str, list[str]] = defaultdict(list)
        count = 0
        async for doc in customers.find({}):
            count += 1
            for key in self.keys_of(from_document(doc)):
                lists[key].append(doc["_id"])
        ops = [UpdateOne({"_id": k}, {"$addToSet": {"ids": {"$each": ids}}}, upsert=True) for k, ids in lists.items()]
        for start in range(0, len(ops), BUILD_BATCH):
            batch = ops[start : start + BUILD_BATCH]
            try:
                await self.coll.bulk_write(batch, ordered=False)
            except BulkWriteError:  # a write created some key first: they exist now, add to them
                await self.coll.bulk_write(batch, ordered=False)
        with contextlib.suppress(DuplicateKeyError):  # the other process starting (API, worker) wrote it first
            await self.coll.replace_one({"_id": MARKER}, {"_id": MARKER, "check": self._check()}, upsert=True)
        log.info("customer keys built", extra={"customers": count, "keys": len(lists)})
