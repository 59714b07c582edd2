"""In-memory fakes of every repository: unit tests of the use cases, no I/O.

They keep the semantics the services rely on (unique revision per version, version
order, apply-if-newer, idempotent timeline) and nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crm_shared.errors import Conflict, VersionConflict
from crm_shared.events.envelope import CloudEvent

from crm_contacts.adapters.documents import from_document, redacted_changes, search_tokens, to_document
from crm_contacts.domain.custom_fields import FieldDefinition
from crm_contacts.domain.customer import Customer
from crm_contacts.domain.lookup_keys import company_name_key, company_name_keys, email_domain
from crm_contacts.service.ports import CustomerCommit, CustomerQuery, Document, IdempotencyRecord, SagaKind, Stored


def _matches(c: Customer, q: CustomerQuery) -> bool:
    if c.archived and not q.include_archived:
        return False
    for name in ("lifecycle_stage", "owner_id", "region", "industry", "kind", "company_id"):
        if getattr(q, name) is not None and getattr(c, name) != getattr(q, name):
            return False
    tokens = search_tokens(c)
    checks = [
        q.tag is None or q.tag in c.tags,
        q.email is None or q.email in c.emails,
        q.phone is None or q.phone in c.phones,
        q.email_domain is None or any(e.endswith(f"@{q.email_domain}") for e in c.emails),
        q.updated_since is None or c.updated_at >= q.updated_since,
        all(any(t.startswith(tok) for t in tokens) for tok in q.name_tokens),
    ]
    if q.after is not None:
        key, after = (c.updated_at, c.id), q.after
        checks.append(key < after if q.order == "desc" else key > after)
    return all(checks)


@dataclass
class InMemoryCustomerRepository:
    docs: dict[str, Document] = field(default_factory=dict)
    revisions: dict[tuple[str, int], Document] = field(default_factory=dict)
    published: list[tuple[str, CloudEvent]] = field(default_factory=list)
    broker_down: bool = False

    async def get(self, customer_id: str) -> Stored | None:
        doc = self.docs.get(customer_id)
        return from_document(doc) if doc else None

    def _customers(self) -> list[Customer]:
        return [c for c in map(from_document, self.docs.values()) if isinstance(c, Customer)]

    async def get_many(self, ids: Sequence[str]) -> list[Customer]:
        return [c for c in self._customers() if c.id in ids]

    async def find(self, query: CustomerQuery, *, limit: int) -> list[Customer]:
        found = sorted(
            (c for c in self._customers() if _matches(c, query)),
            key=lambda c: (c.updated_at, c.id),
            reverse=query.order == "desc",
        )
        return found[:limit]

    async def sharing_contacts(
        self, emails: Sequence[str], phones: Sequence[str], *, limit: int = 50
    ) -> list[Customer]:
        return [c for c in self._customers() if set(c.emails) & set(emails) or set(c.phones) & set(phones)][:limit]

    async def people_of(self, company_id: str, *, limit: int = 200) -> list[Customer]:
        return [c for c in self._customers() if c.kind == "person" and c.company_id == company_id and not c.archived][
            :limit
        ]

    async def companies_sharing_words(self, tokens: Sequence[str], *, limit: int = 200) -> list[Customer]:
        return [
            c
            for c in self._customers()
            if c.kind == "company" and not c.archived and set(tokens) & set(search_tokens(c))
        ][:limit]

    async def companies_named(self, name: str, *, limit: int) -> list[Customer]:
        wanted = company_name_key(name)
        return [c for c in self._customers() if c.kind == "company" and wanted in company_name_keys(c)][:limit]

    async def at_domain(self, domain: str, *, limit: int) -> list[Customer]:
        return [c for c in self._customers() if any(email_domain(e) == domain for e in c.emails)][:limit]

    async def merged_into(self, survivor_id: str) -> list[Customer]:
        return [c for c in self._customers() if c.merged_into == survivor_id]

    async def commit(
        self,
        *,
        state: Stored,
        expected_version: int,
        events: Sequence[tuple[str, CloudEvent]],
        actor: str,
        audit: Document,
    ) -> int:
        version = expected_version + 1
        if (state.id, version) in self.revisions:
            raise VersionConflict(f"version {version} of {state.id} exists")
        doc = {**to_document(state), "version": version}
        self.revisions[(state.id, version)] = {
            "aggregate_id": state.id,
            "version": version,
            "snapshot": doc,
            "events": list(events),
            "actor": actor,
            "changes": audit,
            "published": not events,
            "created_at": datetime.now(UTC),
        }
        current = self.docs.get(state.id)
        if current is None or current["version"] < version:
            self.docs[state.id] = doc
        await self.publish_pending(state.id)
        return version

    async def commit_many(self, commits: Sequence[CustomerCommit]) -> list[int | VersionConflict]:
        out: list[int | VersionConflict] = []
        lost: set[str] = set()
        for c in commits:
            try:
                if c.state.id in lost:
                    raise VersionConflict(f"an earlier version of {c.state.id} was not stored")
                out.append(
                    await self.commit(
                        state=c.state,
                        expected_version=c.expected_version,
                        events=c.events,
                        actor=c.actor,
                        audit=c.audit,
                    )
                )
            except VersionConflict as exc:
                lost.add(c.state.id)
                out.append(exc)
        return out

    async def history(self, customer_id: str, *, before: int | None, limit: int) -> list[Document]:
        revs = [r for (cid, v), r in self.revisions.items() if cid == customer_id and (before is None or v < before)]
        revs.sort(key=lambda r: -r["version"])
        return [{k: v for k, v in r.items() if k not in {"snapshot", "events"}} for r in revs[:limit]]

    async def scrub_history(self, customer_id: str, *, below_version: int) -> int:
        n = 0
        for (cid, v), rev in self.revisions.items():
            if cid == customer_id and v < below_version and not rev["changes"].get("redacted"):
                rev.update(
                    snapshot={"_id": cid, "version": v, "redacted": True},
                    events=[],
                    changes=redacted_changes(rev["changes"]),
                )
                n += 1
        return n

    async def is_published(self, customer_id: str, version: int) -> bool:
        rev = self.revisions.get((customer_id, version))
        return bool(rev and rev["published"])

    async def publish_pending(self, customer_id: str) -> None:
        if self.broker_down:
            return
        for key in sorted(k for k, r in self.revisions.items() if k[0] == customer_id and not r["published"]):
            self.published += self.revisions[key]["events"]
            self.revisions[key]["published"] = True

    def events(self, type_: str | None = None) -> list[CloudEvent]:
        return [e for _, e in self.published if type_ is None or e.type == type_]


@dataclass
class InMemoryIdempotencyRepository:
    records: dict[str, IdempotencyRecord] = field(default_factory=dict)

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord:
        return self.records.setdefault(record.key, record)

    async def forget_customer(self, customer_id: str) -> None:
        self.records = {k: r for k, r in self.records.items() if r.customer_id != customer_id}

    async def purge(self, *, older_than: datetime) -> int:
        return 0


@dataclass
class InMemoryCustomFieldRepository:
    defs: dict[str, FieldDefinition] = field(default_factory=dict)

    async def all(self) -> dict[str, FieldDefinition]:
        return dict(self.defs)

    async def put(self, definition: FieldDefinition, *, expected_version: int) -> None:
        current = self.defs.get(definition.key)
        if (current.version if current else 0) != expected_version:
            raise Conflict(f"custom field {definition.key!r} changed meanwhile")
        self.defs[definition.key] = definition

    async def delete(self, key: str) -> bool:
        return self.defs.pop(key, None) is not None


@dataclass
class InMemorySagaRepository:
    docs: dict[str, Document] = field(default_factory=dict)

    async def start(self, kind: SagaKind, saga_id: str, doc: Document) -> Document:
        key = f"{kind}:{saga_id}"
        return self.docs.setdefault(key, {**doc, "_id": key, "saga_id": saga_id, "kind": kind, "state": "pending"})

    async def pending(self, kind: SagaKind, *, limit: int = 50) -> list[Document]:
        return [d for d in self.docs.values() if d["kind"] == kind and d["state"] == "pending"][:limit]

    async def finish(self, kind: SagaKind, saga_id: str) -> None:
        self.docs[f"{kind}:{saga_id}"]["state"] = "done"

    async def get(self, kind: SagaKind, saga_id: str) -> Document | None:
        return self.docs.get(f"{kind}:{saga_id}")


@dataclass
class RecordingTombstones:
    sent: list[tuple[str, bytes | None, bytes | None]] = field(default_factory=list)

    async def send_raw(
        self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        self.sent.append((topic, key, value))

    def keys(self) -> list[str]:
        return [k.decode() for _, k, v in self.sent if k is not None and v is None]
