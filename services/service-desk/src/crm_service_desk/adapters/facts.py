"""The metrics read model: one fact document per ticket, kept from ``crm.ticket``
events by the worker (applied by version, so replays and duplicates do nothing)."""

from __future__ import annotations

from datetime import datetime

from crm_shared.mongo import Database, Document, upsert_if_newer
from pymongo import ASCENDING

from crm_service_desk.domain.metrics import TicketFact


class FactRepository:
    def __init__(self, db: Database) -> None:
        self.coll = db["ticket_facts"]

    async def ensure_indexes(self) -> None:
        await self.coll.create_index([("created_at", ASCENDING)], name="created_at")

    async def apply(self, ticket_id: str, version: int, fields: Document) -> bool:
        return await upsert_if_newer(self.coll, ticket_id, version, fields)

    async def find(
        self, *, since: datetime | None, until: datetime | None, group: str | None, agent: str | None
    ) -> list[TicketFact]:
        query: Document = {}
        if since or until:
            query["created_at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
        if group:
            query["group"] = group
        if agent:
            query["assignee_id"] = agent
        docs = await self.coll.find(query).to_list(None)
        return [TicketFact.model_validate({**d, "id": d["_id"]}) for d in docs]
