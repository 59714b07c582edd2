"""In-memory fakes of what sales reads from outside or derives from events: the
customer replica, the analytics facts, and the contacts API (unit and API tests)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from crm_sales.domain.common import stable_id
from crm_sales.domain.customer import erased_fields
from crm_sales.errors import DependencyUnavailable
from crm_sales.service.ports import CustomerState, Document, FactQuery


class InMemoryReplica:
    def __init__(self) -> None:
        self.customers: dict[str, Document] = {}
        self.redirects: dict[str, str] = {}
        self.applied = 0
        self.last: tuple[datetime, datetime] | None = None

    async def get(self, customer_id: str) -> Document | None:
        return copy.deepcopy(self.customers.get(customer_id))

    async def get_many(self, ids: Iterable[str]) -> dict[str, Document]:
        return {i: copy.deepcopy(self.customers[i]) for i in set(ids) if i in self.customers}

    async def resolve(self, customer_id: str) -> str:
        seen = {customer_id}
        while customer_id in self.redirects and self.redirects[customer_id] not in seen:
            customer_id = self.redirects[customer_id]
            seen.add(customer_id)
        return customer_id

    async def is_redirected(self, customer_id: str) -> bool:
        return customer_id in self.redirects

    async def upsert(self, customer_id: str, version: int, fields: Document) -> bool:
        current = self.customers.get(customer_id)
        if current is not None and int(current.get("version", 0)) >= version:
            return False
        self.customers[customer_id] = {**copy.deepcopy(fields), "_id": customer_id, "version": version}
        return True

    async def upsert_unless_merged(self, customer_id: str, version: int, fields: Document) -> bool:
        return not await self.is_redirected(customer_id) and await self.upsert(customer_id, version, fields)

    async def mark_erased(self, customer_id: str, version: int) -> None:
        current = self.customers.get(customer_id, {"_id": customer_id})
        self.customers[customer_id] = {**current, **erased_fields(), "version": version}

    async def redirect(self, merged_id: str, survivor_id: str, at: datetime) -> None:
        self.redirects[merged_id] = survivor_id
        for k, v in self.redirects.items():
            if v == merged_id:
                self.redirects[k] = survivor_id

    async def delete(self, customer_id: str) -> None:
        self.customers.pop(customer_id, None)

    async def record_applied(self, *, event_time: datetime, applied_at: datetime) -> None:
        self.applied += 1
        self.last = (event_time, applied_at)

    async def summary(self) -> dict[str, Any]:
        event_time, applied_at = self.last or (None, None)
        lag = (applied_at - event_time).total_seconds() if event_time and applied_at else None
        return {
            "customers": sum(not c.get("erased") for c in self.customers.values()),
            "events_applied": self.applied,
            "last_event_time": event_time,
            "last_applied_at": applied_at,
            "last_lag_s": lag,
        }


class InMemoryFacts:
    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}

    async def get(self, deal_id: str) -> Document | None:
        return copy.deepcopy(self.docs.get(deal_id))

    async def insert(self, doc: Document) -> bool:
        if doc["_id"] in self.docs:
            return False
        self.docs[doc["_id"]] = copy.deepcopy(doc)
        return True

    async def replace(self, doc: Document) -> None:
        self.docs[doc["_id"]] = copy.deepcopy(doc)

    async def find(self, query: FactQuery) -> list[Document]:
        def fits(d: Document) -> bool:
            exact = all(getattr(query, k) in (None, d.get(k)) for k in ("pipeline_id", "owner_id", "team"))
            created = d["created_at"]
            return (
                exact
                and (not query.statuses or d["status"] in query.statuses)
                and (query.created_from is None or created >= query.created_from)
                and (query.created_before is None or created < query.created_before)
            )

        return [copy.deepcopy(d) for d in self.docs.values() if fits(d)]


class FakeContacts:
    """The contacts API as sales uses it: same Idempotency-Key, same customer; look-ups
    by e-mail, company name (case-insensitive) and e-mail domain."""

    def __init__(self) -> None:
        self.by_key: dict[str, str] = {}
        self.bodies: dict[str, dict[str, Any]] = {}
        self.states: dict[str, CustomerState] = {}
        self.calls: list[str] = []
        self.fail_create_after_commit = 0  # create, then fail as if the answer was lost
        self.down = False

    def _call(self, what: str) -> None:
        self.calls.append(what)
        if self.down:
            raise DependencyUnavailable("contacts down", headers={"Retry-After": "5"})

    def add(self, customer_id: str, body: dict[str, Any]) -> str:
        self.bodies[customer_id] = body
        self.states[customer_id] = "active"
        return customer_id

    async def find_customer(self, *, email: str) -> str | None:
        self._call("lookup:email")
        return next((i for i, b in self.bodies.items() if email in b.get("emails", [])), None)

    async def find_company(self, *, name: str | None = None, domain: str | None = None) -> str | None:
        self._call("lookup:company_name" if name else "lookup:domain")
        for cid, body in self.bodies.items():
            if body.get("kind") != "company":
                continue
            if name and (body.get("display_name") or "").casefold() == name.casefold():
                return cid
            if domain and any(e.endswith("@" + domain) for e in body.get("emails", [])):
                return cid
        return None

    async def create_customer(self, body: dict[str, Any], *, idempotency_key: str) -> str:
        self._call(f"create:{idempotency_key}")
        customer_id = self.by_key.get(idempotency_key)
        if customer_id is None:
            customer_id = self.add(stable_id("fake-customer", idempotency_key), body)
            self.by_key[idempotency_key] = customer_id
        if self.fail_create_after_commit:
            self.fail_create_after_commit -= 1
            raise DependencyUnavailable("the answer was lost")
        return customer_id

    async def customer_state(self, customer_id: str) -> CustomerState:
        self._call("get")
        return self.states.get(customer_id, "unknown")

    @property
    def customers(self) -> int:
        return len(self.bodies)
