"""Finding duplicate candidates: fetch a small pool from the store, score it in the domain."""

from __future__ import annotations

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.duplicates import (
    DEFAULT_NAME_THRESHOLD,
    DuplicateCandidate,
    distinctive_tokens,
    rank_candidates,
)
from crm_contacts.domain.permissions import Action, require
from crm_contacts.service.caller import Caller
from crm_contacts.service.writer import Writer


class DuplicateService:
    def __init__(self, *, writer: Writer, name_threshold: float = DEFAULT_NAME_THRESHOLD, limit: int = 10) -> None:
        self._w = writer
        self._threshold = name_threshold
        self._limit = limit

    async def _pool(self, customer: Customer) -> list[Customer]:
        repo = self._w.repo
        pool = await repo.sharing_contacts(customer.emails, customer.phones)
        if customer.kind == "company":
            tokens = distinctive_tokens(customer.display_name)
            if tokens:
                pool += await repo.companies_sharing_words(tokens)
        elif customer.company_id:
            pool += await repo.people_of(customer.company_id)
        return pool

    async def candidates_for(self, customer: Customer) -> list[DuplicateCandidate]:
        return rank_candidates(customer, await self._pool(customer), limit=self._limit, name_threshold=self._threshold)

    async def find(self, caller: Caller, customer_id: str) -> list[DuplicateCandidate]:
        require(caller.roles, Action.READ)
        return await self.candidates_for(await self._w.load(customer_id))
