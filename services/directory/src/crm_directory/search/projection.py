"""Events → the search index: a projection rebuilt from the topics.

Applies a record's snapshot only if newer than the one indexed (replays and duplicates
are harmless). Erasure is final, as the erasure register makes it for the store-backed
consumers: a ``crm.customer.erased`` or a tombstone removes every document about the
customer (its person/company document, leads, deals, tickets: names and e-mails may sit
in any of them) and the id is remembered, so a later event about that customer (a
replayed snapshot, a ticket update) is not indexed again. The register here is in
memory because the whole index is: both are rebuilt from the topics together, where
the erasure precedes any replay. With the index on disk (:mod:`.folder`) the erased
ids are kept on disk too (``remember_erased``, before the index is touched) and survive
a rebuild; a resumed index answers for the versions and owners indexed by earlier
starts (``resumed``: looked up in the index on first sight of a key).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace

from crm_shared.events import CloudEvent
from crm_shared.events.customer import CustomerErased, CustomerMerged, CustomerSnapshot

from crm_directory.search.documents import from_event
from crm_directory.search.port import SearchIndex
from crm_directory.search.visibility import UNGROUPED

log = logging.getLogger(__name__)


class SearchProjection:
    def __init__(
        self,
        index: SearchIndex,
        *,
        erased: Iterable[str] = (),
        remember_erased: Callable[[str], None] | None = None,
        unowned: Iterable[str] = (),
        resumed: bool = False,
    ) -> None:
        self.index = index
        self._versions: dict[str, int] = {}
        self._erased: set[str] = set(erased)
        self._remember_erased = remember_erased
        self._owners: dict[str, str | None] = {}
        """Customer id → owner: a sales rep sees the tickets of the customers they own."""
        self._unowned: set[str] = set(unowned)
        """Customers with tickets indexed before the customer was seen (a rebuild reads
        the topics in no particular order): re-pointed once the customer arrives."""
        self._resumed = resumed
        self._looked_up: set[str] = set()
        self.dirty = False

    @property
    def unowned(self) -> set[str]:
        return set(self._unowned)

    def _version(self, key: str) -> int:
        if key not in self._versions and self._resumed:
            doc = self.index.get(key)
            self._versions[key] = doc.version if doc is not None else 0
        return self._versions.get(key, 0)

    def _known_owner(self, customer_id: str) -> bool:
        """Whether the customer was seen (a resumed index: indexed by an earlier start)."""
        if customer_id not in self._owners and self._resumed and customer_id not in self._looked_up:
            self._looked_up.add(customer_id)
            for kind in ("company", "person"):
                doc = self.index.get(f"{kind}:{customer_id}")
                if doc is not None:
                    self._owners[customer_id] = doc.acl.get("owner")
        return customer_id in self._owners

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
        if customer_id in self._erased or version <= self._version(key):
            return
        self._versions[key] = version
        self.dirty = True
        if doc is None:
            self.index.delete(key)
            return
        if doc.kind == "ticket":
            acl = {**doc.acl, "group": doc.acl.get("group", UNGROUPED)}
            known = self._known_owner(doc.customer_id)
            owner = self._owners.get(doc.customer_id)
            if owner:
                acl["customer_owner"] = owner
            elif not known:
                self._unowned.add(doc.customer_id)
            doc = replace(doc, acl=acl)
        if doc.kind in ("person", "company"):
            self._owner_changed(doc.customer_id, doc.acl.get("owner"))
        self.index.upsert(doc)

    def tombstone(self, customer_id: str) -> None:
        self.erase(customer_id)

    def erase(self, customer_id: str) -> None:
        if self._remember_erased is not None and customer_id not in self._erased:
            self._remember_erased(customer_id)
        self._erased.add(customer_id)
        self._owners.pop(customer_id, None)
        self._unowned.discard(customer_id)
        self.index.delete_customer(customer_id)
        self.dirty = True

    def _owner_changed(self, customer_id: str, owner: str | None) -> None:
        known = self._known_owner(customer_id)
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
