"""Reading deals or leads as a caller may: 404 outside their scope, 403 to change one
they may only read, lists filtered to what they may see, the customer inline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, Self, TypeVar

from crm_shared.auth import Principal
from crm_shared.errors import Forbidden

from crm_sales.domain import permissions as perm
from crm_sales.domain.customer import inline
from crm_sales.service.base import not_found
from crm_sales.service.ports import CustomerReplicaStore, Page, Records

MAX_PAGE = 200


class Owned(Protocol):
    @property
    def owner_id(self) -> str | None: ...
    @property
    def team(self) -> str | None: ...
    @property
    def customer_id(self) -> str | None: ...
    @property
    def version(self) -> int: ...

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self: ...

    def public(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=Owned)
Rule = Callable[[Principal], perm.Scope]


class ScopedReader(Generic[R]):
    def __init__(
        self, records: Records, model: type[R], *, kind: str, read: Rule, write: Rule, replica: CustomerReplicaStore
    ) -> None:
        self._records = records
        self._model = model
        self._kind = kind
        self._read = read
        self._write = write
        self._customers = replica

    async def load(self, record_id: str) -> R | None:
        doc = await self._records.get(record_id)
        return self._model.from_doc(doc) if doc else None

    async def get(self, p: Principal, record_id: str) -> R:
        scope = perm.require_scope(self._read(p), f"read {self._kind}s")
        record = await self.load(record_id)
        if record is None or not scope.covers(owner_id=record.owner_id, team=record.team):
            raise not_found(self._kind, record_id)
        return record

    async def writable(self, p: Principal, record_id: str) -> R:
        record = await self.get(p, record_id)
        if not self._write(p).covers(owner_id=record.owner_id, team=record.team):
            raise Forbidden(f"you may not change this {self._kind}")
        return record

    async def search(
        self, p: Principal, *, filters: dict[str, str | None], limit: int, offset: int
    ) -> tuple[list[R], int]:
        scope = perm.require_scope(self._read(p), f"read {self._kind}s")
        docs, total = await self._records.search(filters, visible=scope, page=Page(min(limit, MAX_PAGE), offset))
        return [self._model.from_doc(d) for d in docs], total

    async def with_customers(self, records: list[R]) -> list[dict[str, Any]]:
        """As the API shows them: with the current customer from the replica (None until it arrives)."""
        customers = await self._customers.get_many(r.customer_id for r in records if r.customer_id)
        return [{**r.public(), "customer": inline(customers.get(r.customer_id or ""))} for r in records]
