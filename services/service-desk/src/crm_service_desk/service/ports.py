"""What the use cases need from the outside world. The Mongo adapters
(``crm_service_desk.adapters``) and the in-memory fakes (``adapters.memory``, unit tests)
both implement these; the service layer imports nothing else of the adapters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from crm_shared.events.envelope import CloudEvent

from crm_service_desk.domain.metrics import TicketFact
from crm_service_desk.domain.permissions import Scope
from crm_service_desk.domain.sla import PolicyRules
from crm_service_desk.domain.ticket import Comment, Ticket

Document = dict[str, Any]

CUSTOMER_FIELDS = (
    "kind",
    "display_name",
    "company_name",
    "tier",
    "owner_id",
    "segment",
    "region",
    "lifecycle_stage",
    "archived",
)
"""What the service desk keeps of a customer (no contact details: it shows who, not how to reach)."""
DEAL_FIELDS = (
    "customer_id",
    "name",
    "stage",
    "status",
    "amount",
    "currency",
    "expected_close_date",
    "owner_id",
    "team",
)


def claim_id(ticket_id: str, target: str, kind: str) -> str:
    """One SLA item (ticket, target, kind): the claim's key and the seed of its event id."""
    return f"{ticket_id}:{target}:{kind}"


@dataclass(frozen=True)
class CsatClaim:
    ticket_id: str
    expires_at: datetime


class TicketStore(Protocol):
    """Tickets: snapshot + revisions (with their comments) + outbox, one commit per change."""

    async def get(self, ticket_id: str) -> Ticket | None: ...
    async def require(self, ticket_id: str) -> Ticket:
        """The ticket, or NotFound (404)."""
        ...

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
        ...

    async def find(
        self, *, scope: Scope, owned_customers: Sequence[str] = (), filters: Document, limit: int, offset: int
    ) -> list[Ticket]:
        """Newest first; ``filters`` are field equalities."""
        ...

    async def ids_of_customers(self, customer_ids: Sequence[str]) -> list[str]: ...
    async def open_assigned_to(self, agent: str, *, limit: int = 100) -> list[str]:
        """Ids of the unsolved tickets assigned to ``agent`` (an id-keyed list, no scan)."""
        ...

    async def sla_due(self, now: datetime, *, limit: int = 200) -> list[str]:
        """Tickets whose next SLA check is at or before ``now``, earliest first."""
        ...

    async def open_counts(self, assignees: Sequence[str]) -> dict[str, int]: ...
    async def comments(self, ticket_id: str, *, include_internal: bool) -> list[Comment]: ...
    async def redact_history(self, ticket_id: str) -> int:
        """Erasure: strip personal data from every stored revision; how many changed."""
        ...


class CustomerDirectory(Protocol):
    """The customer replica (from ``crm.customer``), with merged/erased markers."""

    async def apply(self, customer_id: str, version: int, fields: Document) -> bool: ...
    async def mark_gone(self, customer_id: str, version: int | None, marker: Document) -> None: ...
    async def forget(self, customer_id: str) -> None: ...
    async def get(self, customer_id: str) -> Document | None: ...
    async def many(self, customer_ids: Sequence[str]) -> dict[str, Document]: ...
    async def owners(self, customer_ids: Sequence[str]) -> dict[str, str | None]: ...
    async def owned_by(self, user_id: str) -> list[str]: ...
    async def status(self) -> dict[str, Any]: ...


class DealDirectory(Protocol):
    """The deal replica (from ``crm.deal``)."""

    async def apply(self, deal_id: str, version: int, fields: Document) -> bool: ...
    async def repoint(self, merged_ids: Sequence[str], survivor_id: str) -> None: ...
    async def delete_for(self, customer_id: str) -> None: ...
    async def open_for(self, customer_id: str) -> list[Document]: ...
    async def status(self) -> dict[str, Any]: ...


class SlaClaimStore(Protocol):
    async def claim(self, ticket_id: str, target: str, kind: str, *, owner: str, now: datetime, lease_s: float) -> bool:
        """True if this caller may publish the item (fresh, its own, or a stale claim)."""
        ...

    async def finish(self, ticket_id: str, target: str, kind: str, *, version: int) -> None: ...


class PolicyStore(Protocol):
    async def get(self, policy_id: str) -> Document:
        """The policy, or NotFound (404)."""
        ...

    async def all(self) -> list[Document]: ...
    async def rules(self) -> list[tuple[str, PolicyRules]]: ...
    async def commit(self, policy_id: str, *, expected_version: int, doc: Document, actor: str) -> int: ...


class GroupStore(Protocol):
    async def get(self, name: str) -> Document | None: ...
    async def all(self) -> list[Document]: ...
    async def commit(self, name: str, *, expected_version: int, doc: Document, actor: str) -> int: ...
    async def next_slot(self, group: str, *, now: datetime) -> int:
        """The group's next round-robin slot, never the same for two callers."""
        ...


class FactStore(Protocol):
    async def apply(self, ticket_id: str, version: int, fields: Document) -> bool: ...
    async def find(
        self, *, since: datetime | None, until: datetime | None, group: str | None, agent: str | None
    ) -> list[TicketFact]: ...


class SurveyTokens(Protocol):
    def issue(self, ticket_id: str, *, solved_at: datetime) -> tuple[str, datetime]: ...
    def read(self, token: str) -> CsatClaim:
        """The claim, or InvalidToken (404) / TokenExpired (410)."""
        ...


class DocumentStore(Protocol):
    """Versioned documents without events (macros, articles): revisions give optimistic
    concurrency and an audit trail; a generation tells readers that something changed."""

    async def get(self, doc_id: str) -> Document | None: ...
    async def find(self, filters: Document) -> list[Document]:
        """Every document whose fields equal ``filters`` (a scan: list and search endpoints)."""
        ...

    async def commit(self, doc_id: str, *, expected_version: int, doc: Document, actor: str) -> int:
        """Version ``expected_version + 1``, or VersionConflict (412)."""
        ...

    async def generation(self) -> str:
        """Differs after any commit (from any process): an index built at one
        generation is stale at another."""
        ...


class ArticleSearchIndex(Protocol):
    """The knowledge base's full-text index (``adapters.article_index``: tantivy in memory)."""

    def sync(self, articles: Iterable[Document]) -> int:
        """Hold exactly ``articles`` (the published ones); how many changed."""
        ...

    def search(self, text: str, *, locale: str | None = None, limit: int = 20) -> list[tuple[str, float]]:
        """(article id, score), best first."""
        ...
