"""Tickets in MongoDB: snapshots and revisions through the shared AggregateStore.

Comments are not a collection of their own: each comment is part of the revision
that added it (``changes.comment``), so a comment, the ticket's new version and its
event are one single-document write (nothing half written), and the revisions are
the ticket's full, ordered history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crm_shared.aggregates import AggregateStore, AggregateStorePort, Publisher
from crm_shared.errors import NotFound
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo import Database, Document
from pymongo import ASCENDING, DESCENDING

from crm_service_desk.adapters.ticket_queues import TicketAssignees, TicketQueues
from crm_service_desk.domain.permissions import Scope
from crm_service_desk.domain.status import UNSOLVED
from crm_service_desk.domain.ticket import ERASED, Comment, Ticket

KIND = "tickets"
ERASED_ADDRESS = "erased@erased.invalid"
"""Stands for an erased requester's address where the event's schema requires one."""
PII_SNAPSHOT_FIELDS = {"subject": ERASED, "description": "", "requester_email": None, "requester_name": None}


class TicketAggregates:
    """Tickets as versioned aggregates on any aggregate store: the store's (below) or the
    shared in-memory one (``adapters.memory``), which keep the same commit contract."""

    def __init__(self, store: AggregateStorePort) -> None:
        self.store = store

    async def get(self, ticket_id: str) -> Ticket | None:
        doc = await self.store.get(ticket_id)
        return Ticket.from_doc(doc) if doc else None

    async def require(self, ticket_id: str) -> Ticket:
        ticket = await self.get(ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return ticket

    async def commit(
        self,
        ticket: Ticket,
        *,
        expected_version: int,
        events: Sequence[tuple[str, CloudEvent]],
        actor: str,
        changes: Document | None = None,
    ) -> Ticket:
        """Version ``expected_version + 1`` with its events, or VersionConflict (412)."""
        version = await self.store.commit(
            aggregate_id=ticket.id,
            expected_version=expected_version,
            snapshot=ticket.to_doc(),
            events=events,
            actor=actor,
            changes=changes,
        )
        return ticket.model_copy(update={"version": version})


class TicketRepository(TicketAggregates):
    def __init__(self, db: Database, *, publisher: Publisher | None) -> None:
        self.mongo = AggregateStore(db, snapshots=KIND, publisher=publisher)
        super().__init__(self.mongo)
        self.snapshots = self.mongo.snapshots
        self.revisions = self.mongo.revisions
        self.queues = TicketQueues(db)
        self.assignees = TicketAssignees(db)

    async def ensure_indexes(self) -> None:
        await self.mongo.ensure_indexes()
        for keys in (
            ["customer_id"],
            ["sla_next_check_at"],
            ["group", "status"],
            ["assignee_id", "status"],
            ["created_at"],
        ):
            await self.snapshots.create_index([(k, ASCENDING) for k in keys], name="_".join(keys))
        await self.queues.build_once(self.snapshots)
        await self.assignees.build_once(self.snapshots)

    async def commit(
        self,
        ticket: Ticket,
        *,
        expected_version: int,
        events: Sequence[tuple[str, CloudEvent]],
        actor: str,
        changes: Document | None = None,
    ) -> Ticket:
        """As ``TicketAggregates.commit``, the queues kept: the new entry before, the old one after."""
        old = await self.snapshots.find_one({"_id": ticket.id}) if expected_version else None
        new = ticket.to_doc()
        await self.queues.before_commit(ticket.id, old, new)
        await self.assignees.before_commit(ticket.id, old, new)
        done = await super().commit(
            ticket, expected_version=expected_version, events=events, actor=actor, changes=changes
        )
        await self.queues.after_commit(ticket.id, old, new)
        await self.assignees.after_commit(ticket.id, old, new)
        return done

    async def open_assigned_to(self, agent: str, *, limit: int = 100) -> list[str]:
        """Unsolved tickets of ``agent``, from ``ticket_assignees`` (no scan)."""
        return await self.assignees.open_of(self.snapshots, agent, limit=limit)

    async def repair_lists(self) -> None:
        await self.queues.repair(self.snapshots)
        await self.assignees.repair(self.snapshots)

    # -- queries -------------------------------------------------------------------

    async def find(
        self, *, scope: Scope, owned_customers: Sequence[str] = (), filters: Document, limit: int, offset: int
    ) -> list[Ticket]:
        queued = await self.queues.find(self.snapshots, filters, scope, limit=limit, offset=offset)
        if queued is not None:  # a group's queue by status: from ``ticket_queues``, no scan
            return [Ticket.from_doc(d) for d in queued]
        query = {**filters, **_scope_filter(scope, owned_customers)}
        docs = (
            await self.snapshots.find(query)
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
            .to_list(None)
        )
        return [Ticket.from_doc(d) for d in docs]

    async def ids_of_customers(self, customer_ids: Sequence[str]) -> list[str]:
        docs = await self.snapshots.find({"customer_id": {"$in": list(customer_ids)}}, {"_id": 1}).to_list(None)
        return [d["_id"] for d in docs]

    async def sla_due(self, now: datetime, *, limit: int = 200) -> list[str]:
        docs = (
            await self.snapshots.find({"sla_next_check_at": {"$lte": now}}, {"_id": 1})
            .sort("sla_next_check_at", ASCENDING)
            .limit(limit)
            .to_list(None)
        )
        return [d["_id"] for d in docs]

    async def open_counts(self, assignees: Sequence[str]) -> dict[str, int]:
        counts = {}
        for agent in assignees:
            counts[agent] = await self.snapshots.count_documents(
                {"assignee_id": agent, "status": {"$in": sorted(UNSOLVED)}}
            )
        return counts

    async def comments(self, ticket_id: str, *, include_internal: bool) -> list[Comment]:
        query: Document = {"aggregate_id": ticket_id, "kind": KIND, "changes.comment": {"$exists": True}}
        if not include_internal:
            query["changes.comment.public"] = True
        docs = await self.revisions.find(query, {"changes.comment": 1}).sort("version", ASCENDING).to_list(None)
        return [Comment.model_validate(d["changes"]["comment"]) for d in docs]

    async def redact_history(self, ticket_id: str) -> int:
        """Erasure: strip personal data from every stored revision of the ticket."""
        count = 0
        async for rev in self.revisions.find({"aggregate_id": ticket_id, "kind": KIND}):
            redacted = _redact_revision(rev)
            if redacted != rev:
                await self.revisions.replace_one({"_id": rev["_id"]}, redacted)
                count += 1
        return count


def _scope_filter(scope: Scope, owned_customers: Sequence[str]) -> Document:
    if scope.everything:
        return {}
    ors: list[Document] = []
    if scope.groups:
        ors.append({"group": {"$in": list(scope.groups)}})
    if scope.assignee:
        ors.append({"assignee_id": scope.assignee})
    if scope.ungrouped:
        ors.append({"group": None})
    if scope.customer_owner is not None and owned_customers:
        ors.append({"customer_id": {"$in": list(owned_customers)}})
    return {"$or": ors} if ors else {"_id": {"$in": []}}


def _redact_revision(rev: Document) -> Document:
    out = dict(rev)
    if isinstance(out.get("snapshot"), dict):
        out["snapshot"] = _redact_snapshot(out["snapshot"])
    changes = dict(out.get("changes") or {})  # {"op", "changed"?, "comment"?, "csat"?}: see service.tickets
    if isinstance(changes.get("comment"), dict):
        changes["comment"] = {**changes["comment"], "body": ERASED}
    if isinstance(changes.get("csat"), dict):
        changes["csat"] = {**changes["csat"], "comment": None}
    out["changes"] = changes
    out["events"] = [{**e, "event": _redact_event(e["event"])} for e in out.get("events") or []]
    return out


def _redact_snapshot(snapshot: Document) -> Document:
    out = {**snapshot, **{k: v for k, v in PII_SNAPSHOT_FIELDS.items() if k in snapshot}}
    if isinstance(out.get("csat"), dict):
        out["csat"] = {**out["csat"], "comment": None}
    return out


def _redact_event(event: Document) -> Document:
    data: dict[str, Any] = dict(event.get("data") or {})
    if isinstance(data.get("snapshot"), dict):
        data["snapshot"] = _redact_snapshot(data["snapshot"])
    if "body_excerpt" in data:
        data["body_excerpt"] = None
    if "comment" in data:
        data["comment"] = None
    if isinstance(data.get("previous"), dict):
        data["previous"] = {k: v for k, v in data["previous"].items() if k not in PII_SNAPSHOT_FIELDS}
    if event.get("type") == "crm.ticket.mailed":  # the requester's address and the whole reply
        data.update(to=ERASED_ADDRESS, subject=ERASED, body=ERASED)
    return {**event, "data": data}
