"""In-memory implementations of the ports (``service/ports.py``): the use cases run on
them in unit tests, with the same rules as the Mongo adapters (versions checked on
commit, replicas applied only when newer, one claim per SLA item), and no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crm_shared.aggregates import InMemoryAggregateStore
from crm_shared.errors import NotFound, VersionConflict
from crm_shared.events.envelope import CloudEvent

from crm_service_desk.adapters.config import policy_rules
from crm_service_desk.adapters.tickets import TicketAggregates
from crm_service_desk.domain.metrics import TicketFact
from crm_service_desk.domain.permissions import Scope, in_scope
from crm_service_desk.domain.sla import PolicyRules
from crm_service_desk.domain.status import UNSOLVED
from crm_service_desk.domain.ticket import ERASED, Comment, Ticket
from crm_service_desk.service.ports import Document, claim_id


class InMemoryTickets(TicketAggregates):
    """Tickets on the shared in-memory aggregate store; the ticket queries scan them all."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.memory = InMemoryAggregateStore(snapshots="tickets", after_write=lambda i, _: self.ids.add(i))
        super().__init__(self.memory)
        self.erased_history: set[str] = set()

    def events_of(self, ticket_id: str) -> list[CloudEvent]:
        """Every event of the ticket committed (and so published), in order."""
        return [e for _, e in self.memory.published if e.subject == ticket_id]

    async def _all(self) -> list[Ticket]:
        return [await self.require(i) for i in sorted(self.ids)]

    async def find(
        self, *, scope: Scope, owned_customers: Sequence[str] = (), filters: Document, limit: int, offset: int
    ) -> list[Ticket]:
        owned = set(owned_customers)

        def visible(t: Ticket) -> bool:
            owner = scope.customer_owner if t.customer_id in owned else None
            return in_scope(scope, t, customer_owner=owner) and all(getattr(t, k) == v for k, v in filters.items())

        found = sorted((t for t in await self._all() if visible(t)), key=lambda t: t.id)
        found.sort(key=lambda t: t.created_at, reverse=True)
        return found[offset : offset + limit]

    async def ids_of_customers(self, customer_ids: Sequence[str]) -> list[str]:
        return [t.id for t in await self._all() if t.customer_id in customer_ids]

    async def sla_due(self, now: datetime, *, limit: int = 200) -> list[str]:
        due = [t for t in await self._all() if t.sla_next_check_at is not None and t.sla_next_check_at <= now]
        return [t.id for t in sorted(due, key=lambda t: t.sla_next_check_at or now)[:limit]]

    async def open_assigned_to(self, agent: str, *, limit: int = 100) -> list[str]:
        found = [t for t in await self._all() if t.assignee_id == agent and t.status in UNSOLVED]
        return [t.id for t in sorted(found, key=lambda t: t.created_at, reverse=True)[:limit]]

    async def open_counts(self, assignees: Sequence[str]) -> dict[str, int]:
        tickets = await self._all()
        return {a: sum(t.assignee_id == a and t.status in UNSOLVED for t in tickets) for a in assignees}

    async def comments(self, ticket_id: str, *, include_internal: bool) -> list[Comment]:
        history = reversed(await self.memory.history(ticket_id, limit=1_000_000))
        found = [Comment.model_validate(r["changes"]["comment"]) for r in history if "comment" in r["changes"]]
        if ticket_id in self.erased_history:
            found = [c.model_copy(update={"body": ERASED}) for c in found]
        return [c for c in found if include_internal or c.public]

    async def redact_history(self, ticket_id: str) -> int:
        self.erased_history.add(ticket_id)
        return len(await self.memory.history(ticket_id, limit=1_000_000))


def _newer(docs: dict[str, Document], doc_id: str, version: int, fields: Document) -> bool:
    stored = docs.get(doc_id, {}).get("version")
    if isinstance(stored, int) and stored >= version:
        return False
    docs[doc_id] = {**docs.get(doc_id, {}), **fields, "_id": doc_id, "version": version}
    return True


def _status(docs: dict[str, Document]) -> dict[str, Any]:
    applied = [d for d in docs.values() if d.get("applied_at")]
    last = max(applied, key=lambda d: d["applied_at"], default=None)
    out: dict[str, Any] = {"records": len(docs), "last_event_time": None, "last_applied_at": None, "lag_s": None}
    if last is not None:
        out.update(
            last_applied_at=last["applied_at"],
            last_event_time=last.get("event_time"),
            lag_s=(last["applied_at"] - last["event_time"]).total_seconds() if last.get("event_time") else None,
        )
    return out


@dataclass
class InMemoryCustomers:
    docs: dict[str, Document] = field(default_factory=dict)

    async def apply(self, customer_id: str, version: int, fields: Document) -> bool:
        return _newer(self.docs, customer_id, version, fields)

    async def mark_gone(self, customer_id: str, version: int | None, marker: Document) -> None:
        stored = self.docs.get(customer_id, {}).get("version")
        if version is not None and isinstance(stored, int) and stored >= version:
            return
        self.docs[customer_id] = {"_id": customer_id, **marker, **({"version": version} if version else {})}

    async def forget(self, customer_id: str) -> None:
        doc = self.docs.get(customer_id)
        if doc is not None and not doc.get("merged_into") and not doc.get("erased"):
            del self.docs[customer_id]

    async def get(self, customer_id: str) -> Document | None:
        return self.docs.get(customer_id)

    async def many(self, customer_ids: Sequence[str]) -> dict[str, Document]:
        return {i: self.docs[i] for i in customer_ids if i in self.docs}

    async def owners(self, customer_ids: Sequence[str]) -> dict[str, str | None]:
        return {i: d.get("owner_id") for i, d in (await self.many(customer_ids)).items()}

    async def owned_by(self, user_id: str) -> list[str]:
        return [i for i, d in self.docs.items() if d.get("owner_id") == user_id]

    async def status(self) -> dict[str, Any]:
        return _status(self.docs)


@dataclass
class InMemoryDeals:
    docs: dict[str, Document] = field(default_factory=dict)

    async def apply(self, deal_id: str, version: int, fields: Document) -> bool:
        return _newer(self.docs, deal_id, version, fields)

    async def repoint(self, merged_ids: Sequence[str], survivor_id: str) -> None:
        for doc in self.docs.values():
            if doc.get("customer_id") in merged_ids:
                doc["customer_id"] = survivor_id

    async def delete_for(self, customer_id: str) -> None:
        for deal_id in [i for i, d in self.docs.items() if d.get("customer_id") == customer_id]:
            del self.docs[deal_id]

    async def open_for(self, customer_id: str) -> list[Document]:
        deals = [d for d in self.docs.values() if d.get("customer_id") == customer_id and d.get("status") == "open"]
        return sorted(deals, key=lambda d: (d.get("expected_close_date") or "", d["_id"]))

    async def status(self) -> dict[str, Any]:
        return _status(self.docs)


@dataclass
class InMemoryClaims:
    docs: dict[str, Document] = field(default_factory=dict)

    async def claim(self, ticket_id: str, target: str, kind: str, *, owner: str, now: datetime, lease_s: float) -> bool:
        existing = self.docs.get(claim_id(ticket_id, target, kind))
        if existing is None:
            self.docs[claim_id(ticket_id, target, kind)] = {"owner": owner, "claimed_at": now, "done": False}
            return True
        if existing["done"]:
            return False
        return bool(existing["owner"] == owner or existing["claimed_at"] <= now - timedelta(seconds=lease_s))

    async def finish(self, ticket_id: str, target: str, kind: str, *, version: int) -> None:
        self.docs[claim_id(ticket_id, target, kind)].update(done=True, version=version)


@dataclass
class _Configs:
    """Configuration aggregates (policies, groups): versioned documents, no events."""

    docs: dict[str, Document] = field(default_factory=dict)

    async def commit(self, doc_id: str, *, expected_version: int, doc: Document, actor: str) -> int:
        version = int(self.docs.get(doc_id, {}).get("version", 0))
        if version != expected_version:
            raise VersionConflict(f"{doc_id} is at version {version}", current_version=version)
        self.docs[doc_id] = {**doc, "_id": doc_id, "version": version + 1}
        return version + 1


class InMemoryPolicies(_Configs):
    async def get(self, policy_id: str) -> Document:
        if policy_id not in self.docs:
            raise NotFound(f"SLA policy {policy_id} does not exist")
        return dict(self.docs[policy_id])

    async def all(self) -> list[Document]:
        return sorted((dict(d) for d in self.docs.values()), key=lambda d: (d.get("position", 100), d["_id"]))

    async def rules(self) -> list[tuple[str, PolicyRules]]:
        return policy_rules(await self.all())


class InMemoryGroups(_Configs):
    def __init__(self) -> None:
        super().__init__()
        self.slots: dict[str, int] = {}

    async def get(self, name: str) -> Document | None:
        doc = self.docs.get(name)
        return dict(doc) if doc else None

    async def all(self) -> list[Document]:
        return [dict(self.docs[k]) for k in sorted(self.docs)]

    async def next_slot(self, group: str, *, now: datetime) -> int:
        self.slots[group] = self.slots.get(group, -1) + 1
        return self.slots[group]


@dataclass
class InMemoryFacts:
    docs: dict[str, Document] = field(default_factory=dict)

    async def apply(self, ticket_id: str, version: int, fields: Document) -> bool:
        return _newer(self.docs, ticket_id, version, fields)

    async def find(
        self, *, since: datetime | None, until: datetime | None, group: str | None, agent: str | None
    ) -> list[TicketFact]:
        return [
            TicketFact.model_validate({**d, "id": d["_id"]})
            for d in self.docs.values()
            if (since is None or d["created_at"] >= since)
            and (until is None or d["created_at"] < until)
            and (group is None or d.get("group") == group)
            and (agent is None or d.get("assignee_id") == agent)
        ]


class InMemoryDocuments(_Configs):
    """Macros, articles: versioned documents; the generation counts commits."""

    commits: int = 0

    async def get(self, doc_id: str) -> Document | None:
        doc = self.docs.get(doc_id)
        return dict(doc) if doc else None

    async def find(self, filters: Document) -> list[Document]:
        return [dict(d) for k, d in sorted(self.docs.items()) if all(d.get(f) == v for f, v in filters.items())]

    async def commit(self, doc_id: str, *, expected_version: int, doc: Document, actor: str) -> int:
        version = await super().commit(doc_id, expected_version=expected_version, doc=doc, actor=actor)
        self.commits += 1
        return version

    async def generation(self) -> str:
        return str(self.commits)
