"""Events → the search index: a projection rebuilt from the topics.

Applies a record's snapshot only if newer than the one indexed (replays and duplicates
are harmless). Erasure is final, as the erasure register makes it for the store-backed
consumers: a ``crm.customer.erased`` or a tombstone removes every document about the
customer (its person/company document, leads, deals, tickets: names and e-mails may sit
in any of them) and the id is remembered, so a later event about that customer (a
replayed snapshot, a ticket update) is not indexed again. The register here is in
memory because the whole index is: both are rebuilt from the topics together, where
the erasure precedes any replay.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from crm_shared.events import CloudEvent
from crm_shared.events.customer import CustomerErased, CustomerMerged, CustomerSnapshot

from crm_directory.search.documents import from_event
from crm_directory.search.port import SearchIndex
from crm_directory.search.visibility import UNGROUPED

log = logging.getLogger(__name__)


class SearchProjection:
    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._versions: dict[str, int] = {}
        self._erased: set[str] = set()
        self._owners: dict[str, str | None] = {}
        """Customer id → owner: a sales rep sees the tickets of the customers they own."""
        self._unowned: set[str] = set()
        """Customers with tickets indexed before the customer was seen (a rebuild reads
        the topics in no particular order): re-pointed once the customer arrives."""
        self.dirty = False

    def apply(self, event: CloudEvent) -> None:
        data = event.payload()
        if isinstance(data, CustomerErased):
            self.erase(data.customer_id)
            return
        if isinstance(data, CustomerMerged):
            for merged in data.merged_ids:
                self.erase(merged)
        found = from_event(data)
        if found is None:
            return
        key, version, doc = found
        customer_id = getattr(getattr(data, "snapshot", None), "customer_id", None) or ""
        if isinstance(getattr(data, "snapshot", None), CustomerSnapshot):
            customer_id = data.snapshot.id  # type: ignore[attr-defined]
        if customer_id in self._erased or version <= self._versions.get(key, 0):
            return
        self._versions[key] = version
        self.dirty = True
        if doc is None:
            self.index.delete(key)
            return
        if doc.kind == "ticket":
            acl = {**doc.acl, "group": doc.acl.get("group", UNGROUPED)}
            owner = self._owners.get(doc.customer_id)
            if owner:
                acl["customer_owner"] = owner
            elif doc.customer_id not in self._owners:
                self._unowned.add(doc.customer_id)
            doc = replace(doc, acl=acl)
        if doc.kind in ("person", "company"):
            self._owner_changed(doc.customer_id, doc.acl.get("owner"))
        self.index.upsert(doc)

    def tombstone(self, customer_id: str) -> None:
        self.erase(customer_id)

    def erase(self, customer_id: str) -> None:
        self._erased.add(customer_id)
        self._owners.pop(customer_id, None)
        self._unowned.discard(customer_id)
        self.index.delete_customer(customer_id)
        self.dirty = True

    def _owner_changed(self, customer_id: str, owner: str | None) -> None:
        known = customer_id in self._owners
        before = self._owners.get(customer_id)
        self._owners[customer_id] = owner
        waiting = customer_id in self._unowned
        self._unowned.discard(customer_id)
        if (known and before == owner) or (not known and not (waiting and owner)):
            return
        self.index.commit()  # the tickets to re-point must be readable
        for ticket in self.index.by_customer(customer_id, "ticket"):
            acl = {k: v for k, v in ticket.acl.items() if k != "customer_owner"}
            if owner:
                acl["customer_owner"] = owner
            self.index.upsert(replace(ticket, acl=acl))
