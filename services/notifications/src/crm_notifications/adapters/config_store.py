"""Rules, endpoints, users and templates: versioned documents with an audit trail.

Each kind is an :class:`~crm_shared.aggregates.AggregateStore` with its own revisions
collection: writing version n+1 inserts a revision under a unique id, which is the
optimistic-concurrency check (412 on a lost race), and records who changed what.
These documents publish no events. Deletion is a revision with ``deleted: true``,
so a deleted default rule is not seeded again.
"""

from __future__ import annotations

from typing import Any, Literal

from crm_shared.aggregates import AggregateStore
from crm_shared.mongo import Database, Document
from pymongo import ASCENDING

from crm_notifications.domain.models import Endpoint, Rule, TemplateSpec, User

Kind = Literal["rules", "endpoints", "users", "templates"]
KINDS: tuple[Kind, ...] = ("rules", "endpoints", "users", "templates")


def endpoint_doc(endpoint: Endpoint) -> Document:
    """An endpoint as stored: the secrets in clear (the API masks them)."""
    doc = endpoint.model_dump(exclude={"url", "secret", "version"})
    doc["url"] = endpoint.url.get_secret_value()
    doc["secret"] = endpoint.secret.get_secret_value() if endpoint.secret else None
    return doc


def template_id(name: str, channel: str) -> str:
    return f"{name}|{channel}"


class ConfigStore:
    def __init__(self, db: Database) -> None:
        self._stores: dict[str, AggregateStore] = {
            kind: AggregateStore(db, snapshots=kind, publisher=None, revisions=f"{kind}_revisions") for kind in KINDS
        }

    def store(self, kind: Kind) -> AggregateStore:
        return self._stores[kind]

    async def ensure_indexes(self) -> None:
        for store in self._stores.values():
            await store.ensure_indexes()
            await store.snapshots.create_index([("deleted", ASCENDING)], name="deleted")

    async def get(self, kind: Kind, doc_id: str) -> Document | None:
        doc = await self._stores[kind].get(doc_id)
        return None if doc is None or doc.get("deleted") else doc

    async def version(self, kind: Kind, doc_id: str) -> int:
        return await self._stores[kind].current_version(doc_id)

    async def all(self, kind: Kind) -> list[Document]:
        cursor = self._stores[kind].snapshots.find({"deleted": {"$ne": True}}).sort("_id", ASCENDING)
        return await cursor.to_list(None)

    async def write(
        self, kind: Kind, doc_id: str, *, expected_version: int, snapshot: Document, actor: str, deleted: bool = False
    ) -> int:
        body = {k: v for k, v in snapshot.items() if k not in ("id", "_id", "version")}
        if deleted:
            body["deleted"] = True
        return await self._stores[kind].commit(
            aggregate_id=doc_id, expected_version=expected_version, snapshot=body, events=[], actor=actor
        )

    async def history(self, kind: Kind, doc_id: str, *, limit: int = 50) -> list[Document]:
        return await self._stores[kind].history(doc_id, limit=limit)


def to_rule(doc: Document) -> Rule:
    return Rule.model_validate(_public(doc))


def to_endpoint(doc: Document) -> Endpoint:
    return Endpoint.model_validate(_public(doc))


def to_user(doc: Document) -> User:
    return User.model_validate(_public(doc))


def to_template(doc: Document) -> TemplateSpec:
    return TemplateSpec.model_validate({k: doc.get(k) for k in ("subject", "text", "html")})


def _public(doc: Document) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("_id", "deleted")}
    out["id"] = doc["_id"]
    if out.get("secret") is None:
        out.pop("secret", None)
    return out
