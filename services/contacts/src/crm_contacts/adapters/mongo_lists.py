"""The customer list by owner and by region without a scan: ``customer_lists`` keeps,
per owner and per region, the live customers ordered by ``(updated_at, id)``
(``crm_shared.listed``), written with every commit; a page reads a segment or two by
``_id`` and fetches its customers with one ``{_id: {$in: [...]}}``.

Only live customers are listed (not archived, not erased): the console's lists. Other
filters (and ``include_archived``) take the scanning path of ``build_filter``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.listed import ListedCollection, time_key
from crm_shared.mongo import Collection, Database
from crm_shared.ordered_lists import Entry

from crm_contacts.adapters.documents import from_document
from crm_contacts.domain.customer import Customer
from crm_contacts.service.ports import CustomerQuery

COLLECTION = "customer_lists"
FILTERS = ("owner_id", "region")


def lists_of(doc: Mapping[str, Any] | None) -> dict[str, str]:
    """List name → key of a stored customer: its owner's and its region's, if live."""
    if doc is None or doc.get("archived") or doc.get("erased"):
        return {}
    key = time_key(doc["updated_at"])
    return {f"{f}:{v}": key for f in FILTERS if (v := doc.get(f))}


def indexed(q: CustomerQuery) -> str | None:
    """The list answering ``q``, if it is only by owner and/or region (owner first: smaller)."""
    others = (q.lifecycle_stage, q.industry, q.tag, q.kind, q.company_id, q.updated_since, q.email, q.phone)
    if q.include_archived or q.name_tokens or q.email_domain or any(v is not None for v in others):
        return None
    if q.owner_id is not None:
        return f"owner_id:{q.owner_id}"
    return f"region:{q.region}" if q.region is not None else None


class MongoCustomerLists(ListedCollection):
    def __init__(self, db: Database) -> None:
        projection = {f: 1 for f in (*FILTERS, "updated_at", "archived", "erased")}
        super().__init__(db, collection=COLLECTION, lists_of=lists_of, projection=projection)

    async def find(self, customers: Collection, q: CustomerQuery, *, limit: int) -> list[Customer] | None:
        """A page of ``q`` from its list, or None if no list answers it."""
        name = indexed(q)
        if name is None:
            return None
        after: Entry | None = (time_key(q.after[0]), q.after[1]) if q.after else None
        region = q.region if q.owner_id is not None else None  # by owner and region: the owner's, checked
        docs = await self.page(
            customers,
            name,
            limit=limit,
            descending=q.order == "desc",
            after=after,
            keep=lambda d: region is None or d.get("region") == region,
        )
        return [c for c in map(from_document, docs) if isinstance(c, Customer)]
