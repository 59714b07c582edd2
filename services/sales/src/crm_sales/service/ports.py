"""What sales' use cases need from the outside world. The Mongo adapters
(``crm_sales.adapters.mongo``) and the in-memory fakes (``crm_sales.adapters.memory``)
both implement these; no use case builds a store query itself.

Documents are the stored shapes (``_id``, ``version``...), as the aggregate store keeps
them; the domain models read them with ``from_doc``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from crm_shared.aggregates import AggregateStorePort

from crm_sales.domain.permissions import Scope

Document = dict[str, Any]
Kind = Literal["deal", "lead"]


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int = 0


Aggregates = AggregateStorePort
"""Versioned aggregates with their audit trail and outbox (``crm_shared.aggregates``)."""


class Records(AggregateStorePort, Protocol):
    """Deals or leads: the aggregate store plus the reads the use cases make."""

    async def search(self, filters: Mapping[str, Any], *, visible: Scope, page: Page) -> tuple[list[Document], int]:
        """Exact-match ``filters`` (``None`` values ignored), newest first."""
        ...

    async def ids_where(self, *, customer_id: str, emails: Sequence[str] = ()) -> list[str]:
        """Ids of the records of a customer (or, leads, with one of these e-mails)."""
        ...

    async def idle(
        self, *, statuses: Sequence[str], cut: datetime, after_id: str | None, limit: int
    ) -> list[tuple[str, datetime]]:
        """(id, idle_since) of records in ``statuses`` idle since ``cut`` or before, by id."""
        ...

    async def scrub_history(self, aggregate_id: str, keys: frozenset[str], *, below: int) -> None:
        """Blank ``keys`` (at any depth) in the revisions older than ``below`` (erasure)."""
        ...


class DealRecords(Records, Protocol):
    async def count_in_stages(self, pipeline_id: str, stages: Sequence[str]) -> int: ...

    async def stage_totals(self, pipeline_id: str, *, visible: Scope) -> list[StageTotal]:
        """Count and amounts per (stage, currency) of every deal of the pipeline."""
        ...


class LeadRecords(Records, Protocol):
    async def open_by_email(self, emails: Sequence[str], statuses: Sequence[str]) -> dict[str, str]:
        """E-mail -> id of a lead in ``statuses`` with it."""
        ...

    async def stale_conversions(self, *, states: Sequence[str], older_than: datetime, limit: int) -> list[str]: ...


@dataclass(frozen=True)
class StageTotal:
    stage: str
    currency: str
    count: int
    amount_sum: str
    weighted_sum: str
    """Exact decimals as strings (``"1250.00"``): sums over amount and amount x probability."""


class Configs(AggregateStorePort, Protocol):
    """Pipelines and rule sets: the aggregate store and a full listing."""

    async def all(self) -> list[Document]: ...


class TurnLog(Protocol):
    """The round-robin turns taken, one per (rule, n)."""

    async def last_turn(self, rule_id: str) -> int | None: ...

    async def take(self, rule_id: str, n: int, *, lead_id: str, owner_id: str, at: datetime) -> bool:
        """Record turn ``n``; False if it was taken already (atomic)."""
        ...


@dataclass(frozen=True)
class ActivityQuery:
    deal_id: str | None = None
    lead_id: str | None = None
    kind: str | None = None
    open_tasks: bool = False


class ActivityLog(Protocol):
    async def insert(self, doc: Document) -> bool:
        """False if an activity with this ``_id`` exists."""
        ...

    async def get(self, activity_id: str) -> Document | None: ...

    async def replace(self, doc: Document) -> None: ...

    async def search(self, query: ActivityQuery, page: Page) -> tuple[list[Document], int]: ...

    async def latest_at(self, kind: Kind, parent_id: str) -> datetime | None: ...

    async def anonymise(self, *, deal_ids: Sequence[str], lead_ids: Sequence[str], subject: str) -> int: ...


class Reminders(Protocol):
    """Follow-up claims (one per idle period) and the leases of their re-sends."""

    async def taken(self, claim_ids: Iterable[str]) -> set[str]: ...

    async def claim(self, doc: Document) -> bool:
        """Insert the claim; False if it exists (another scan or worker had it)."""
        ...

    async def unpublished(self, *, older_than: datetime, limit: int) -> list[Document]: ...

    async def lease(self, lease_id: str, at: datetime) -> bool: ...

    async def mark_published(self, claim_ids: Sequence[str], at: datetime) -> None: ...

    async def close_for(self, subject_id: str, at: datetime) -> None: ...

    async def silence(self, subject_ids: Sequence[str], scrub: Any) -> None:
        """Close the claims of these subjects and rewrite each through ``scrub`` (erasure)."""
        ...

    async def open(self, *, owner_id: str | None, visible: Scope, limit: int) -> list[Document]: ...


class CustomerReplicaStore(Protocol):
    """Sales' replica of the customers contacts owns, merge redirects, apply stats."""

    async def get(self, customer_id: str) -> Document | None: ...

    async def get_many(self, ids: Iterable[str]) -> dict[str, Document]: ...

    async def resolve(self, customer_id: str) -> str: ...

    async def is_redirected(self, customer_id: str) -> bool: ...

    async def upsert(self, customer_id: str, version: int, fields: Document) -> bool: ...

    async def upsert_unless_merged(self, customer_id: str, version: int, fields: Document) -> bool:
        """``upsert``, but not for an id merged away (False): a late event of a duplicate."""
        ...

    async def mark_erased(self, customer_id: str, version: int) -> None: ...

    async def redirect(self, merged_id: str, survivor_id: str, at: datetime) -> None: ...

    async def delete(self, customer_id: str) -> None: ...

    async def record_applied(self, *, event_time: datetime, applied_at: datetime) -> None: ...

    async def summary(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FactQuery:
    pipeline_id: str | None = None
    owner_id: str | None = None
    team: str | None = None
    statuses: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_before: datetime | None = None


class FactStore(Protocol):
    """The analytics read model: one document per deal."""

    async def get(self, deal_id: str) -> Document | None: ...

    async def insert(self, doc: Document) -> bool:
        """False if the deal has a fact already."""
        ...

    async def replace(self, doc: Document) -> None: ...

    async def find(self, query: FactQuery) -> list[Document]: ...


class LagProbe(Protocol):
    async def pending(self) -> int | None: ...


CustomerState = Literal["active", "erased", "unknown"]


class Contacts(Protocol):
    """The contacts API as sales uses it (service account ``svc-sales``). Look-ups go
    in a request body, never in a URL: e-mail addresses must not reach access logs."""

    async def find_customer(self, *, email: str) -> str | None: ...

    async def find_company(self, *, name: str | None = None, domain: str | None = None) -> str | None:
        """A company customer with this name (exact, case-insensitive) or e-mail domain."""
        ...

    async def create_customer(self, body: dict[str, Any], *, idempotency_key: str) -> str: ...

    async def customer_state(self, customer_id: str) -> CustomerState: ...
