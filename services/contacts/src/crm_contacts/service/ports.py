"""What the use cases need from the outside world. Mongo adapters and in-memory fakes
(``crm_contacts.adapters.memory``) both implement these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from crm_shared.errors import VersionConflict
from crm_shared.events.deal import DealSnapshot
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.ticket import TicketSnapshot

from crm_contacts.domain.custom_fields import FieldDefinition
from crm_contacts.domain.customer import Customer

Document = dict[str, Any]


@dataclass(frozen=True)
class Erased:
    """What is left of an erased customer: no personal data at all."""

    id: str
    version: int
    erased_at: datetime


Stored = Customer | Erased


@dataclass(frozen=True)
class Filters:
    """What a list of customers can be narrowed by (the API's query and the repository's)."""

    lifecycle_stage: str | None = None
    owner_id: str | None = None
    region: str | None = None
    industry: str | None = None
    tag: str | None = None
    kind: str | None = None
    company_id: str | None = None
    updated_since: datetime | None = None
    email: str | None = None
    phone: str | None = None
    include_archived: bool = False
    order: Literal["desc", "asc"] = "desc"


@dataclass(frozen=True)
class CustomerQuery(Filters):
    email_domain: str | None = None
    """Some address of the customer is ``...@email_domain``."""
    name_tokens: tuple[str, ...] = ()
    """Every token must prefix one of the customer's name tokens or e-mail addresses."""
    after: tuple[datetime, str] | None = None
    """Keyset cursor: (updated_at, id) of the last item of the previous page."""


@dataclass(frozen=True)
class CustomerCommit:
    """One customer's next version, as ``CustomerRepository.commit`` takes it."""

    state: Stored
    expected_version: int
    events: Sequence[tuple[str, CloudEvent]]
    actor: str
    audit: Document
    before: Stored | None = None
    """The state the change was made from (version ``expected_version``), when the caller
    loaded it: the repository then does not read it again to know which keys and list
    entries the customer leaves."""


class CustomerRepository(Protocol):
    async def get(self, customer_id: str) -> Stored | None: ...
    async def get_many(self, ids: Sequence[str]) -> list[Customer]: ...
    async def find(self, query: CustomerQuery, *, limit: int) -> list[Customer]: ...
    async def sharing_contacts(
        self, emails: Sequence[str], phones: Sequence[str], *, limit: int = 50
    ) -> list[Customer]:
        """Customers (not erased) with any of these e-mail addresses or phone numbers."""
        ...

    async def people_of(self, company_id: str, *, limit: int = 200) -> list[Customer]:
        """The company's live (not archived) people."""
        ...

    async def companies_sharing_words(self, tokens: Sequence[str], *, limit: int = 200) -> list[Customer]:
        """Live companies whose names have one of these (distinctive, folded) words."""
        ...

    async def companies_named(self, name: str, *, limit: int) -> list[Customer]:
        """Companies (archived ones too) whose company or display name is ``name``, ignoring
        case, accents and spacing."""
        ...

    async def at_domain(self, domain: str, *, limit: int) -> list[Customer]:
        """Companies and people at a company (archived ones too) with an address at ``domain``."""
        ...

    async def merged_into(self, survivor_id: str) -> list[Customer]: ...
    async def commit(
        self,
        *,
        state: Stored,
        expected_version: int,
        events: Sequence[tuple[str, CloudEvent]],
        actor: str,
        audit: Document,
    ) -> int: ...
    async def commit_many(self, commits: Sequence[CustomerCommit]) -> list[int | VersionConflict]:
        """``commit`` for many at once (an import's chunk), in bulk: each one's new version,
        or its conflict (the others are stored all the same). Several commits of one
        customer are stored in their order."""
        ...

    async def history(self, customer_id: str, *, before: int | None, limit: int) -> list[Document]: ...
    async def scrub_history(self, customer_id: str, *, below_version: int) -> int: ...
    async def is_published(self, customer_id: str, version: int) -> bool: ...
    async def publish_pending(self, customer_id: str) -> None:
        """Publish the customer's committed events not yet out, now (a saga checks
        ``is_published`` next); what the broker refuses is left to the relay."""
        ...


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    body_hash: str
    customer_id: str


class IdempotencyRepository(Protocol):
    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord:
        """Store ``record`` unless the key exists; return what is stored for the key."""
        ...

    async def forget_customer(self, customer_id: str) -> None: ...
    async def purge(self, *, older_than: datetime) -> int: ...


class CustomFieldRepository(Protocol):
    async def all(self) -> dict[str, FieldDefinition]: ...
    async def put(self, definition: FieldDefinition, *, expected_version: int) -> None:
        """Insert (expected 0) or replace version ``expected_version``; Conflict if it moved."""
        ...

    async def delete(self, key: str) -> bool: ...


@dataclass
class TimelineEntry:
    event_id: str
    customer_id: str
    time: datetime
    type: str
    summary: str
    event: Document = field(default_factory=dict)


class ProjectionRepository(Protocol):
    """The worker's state for the 360 view: newest deal/ticket snapshots, the summary,
    the timeline."""

    async def apply_deal(self, customer_id: str, deal: DealSnapshot) -> bool: ...
    async def apply_ticket(self, customer_id: str, ticket: TicketSnapshot) -> bool: ...
    async def deal_version(self, deal_id: str) -> int: ...
    async def deals_of(self, customer_id: str) -> list[DealSnapshot]: ...
    async def tickets_of(self, customer_id: str) -> list[TicketSnapshot]: ...
    async def save_summary(self, customer_id: str, summary: Document) -> None: ...
    async def touch(self, customer_id: str, at: datetime) -> None: ...
    async def summary(self, customer_id: str) -> Document | None: ...
    async def add_timeline(self, entry: TimelineEntry) -> bool: ...
    async def timeline(
        self, customer_id: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[TimelineEntry]: ...
    async def timeline_entry(self, event_id: str) -> TimelineEntry | None: ...
    async def timeline_after(
        self, customer_ids: Sequence[str], *, after: tuple[datetime, str], limit: int
    ) -> list[TimelineEntry]: ...
    async def repoint(self, from_id: str, to_id: str) -> None: ...
    async def purge(self, customer_id: str) -> None: ...
    async def export(self, customer_id: str) -> Document: ...


SagaKind = Literal["merge", "erasure", "company_name"]


class SagaRepository(Protocol):
    """Multi-record operations (merge, erasure, company rename) as resumable steps without transactions."""

    async def start(self, kind: SagaKind, saga_id: str, doc: Document) -> Document:
        """Record the intent (idempotent); returns the stored document."""
        ...

    async def pending(self, kind: SagaKind, *, limit: int = 50) -> list[Document]: ...
    async def finish(self, kind: SagaKind, saga_id: str) -> None: ...
    async def get(self, kind: SagaKind, saga_id: str) -> Document | None: ...


class TombstoneSink(Protocol):
    async def send_raw(
        self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None: ...
