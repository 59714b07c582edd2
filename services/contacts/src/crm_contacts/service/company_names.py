"""A company's new name reaches its people's ``company_name``.

A person copies its company's name when linked (``Writer.link_company``); a rename of
the company would otherwise leave every person with the old one. Each person changes
through the normal write path (its own revision and ``crm.customer.updated``,
``change_origin`` ``contacts``). Without transactions this is a saga: the intent is
recorded per rename, the people are updated one by one (each step idempotent: a person
already carrying the name is left alone), and a periodic job resumes a rename a crash
interrupted. Every run copies the company's *current* name, so renames in quick
succession converge on the last one whatever order their sagas finish in.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from crm_shared.errors import Conflict, VersionConflict

from crm_contacts.domain.customer import Customer
from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import CustomerQuery, SagaRepository
from crm_contacts.service.sagas import InFlight
from crm_contacts.service.writer import Writer

log = logging.getLogger(__name__)
ORIGIN = "contacts"
ATTEMPTS = 5
PAGE = 200


def company_name_of(company: Customer) -> str:
    """The name people of ``company`` carry (what ``link_company`` copies)."""
    return company.company_name or company.display_name


def renamed(before: Customer, after: Customer) -> bool:
    return after.kind == "company" and company_name_of(before) != company_name_of(after)


class CompanyNameService:
    def __init__(self, *, writer: Writer, sagas: SagaRepository) -> None:
        self._w = writer
        self._sagas = sagas
        self._in_flight = InFlight()

    async def on_renamed(self, caller: Caller, company: Customer) -> int:
        """Record the rename (idempotent per company version) and update its people now;
        returns how many people changed."""
        saga = await self._sagas.start(
            "company_name",
            f"{company.id}:{company.version}",
            {"company_id": company.id, "correlation_id": caller.correlation_id},
        )
        try:
            return await self._in_flight.run(saga, self._run)
        except Exception:  # the company's rename is committed: its people are the job's to finish
            log.warning(
                "copying a company name to its people failed; the job resumes it",
                exc_info=True,
                extra={"company_id": company.id},
            )
            return 0

    async def resume_pending(self) -> int:
        return await self._in_flight.resume(await self._sagas.pending("company_name"), self._run)

    async def _run(self, saga: dict[str, Any]) -> int:
        company_id: str = saga["company_id"]
        caller = Caller.system(origin=ORIGIN, correlation_id=saga.get("correlation_id"))
        company = await self._w.repo.get(company_id)
        changed = 0
        if isinstance(company, Customer) and company.kind == "company":
            name = company_name_of(company)
            query = CustomerQuery(company_id=company_id, kind="person", include_archived=True, order="asc")
            while people := await self._w.repo.find(query, limit=PAGE):
                for person in people:
                    changed += await self._rename(caller, person.id, company_id, name)
                last = people[-1]
                query = replace(query, after=(last.updated_at, last.id))
        await self._sagas.finish("company_name", saga["saga_id"])
        if changed:
            log.info("company name copied to its people", extra={"company_id": company_id, "people": changed})
        return changed

    async def _rename(self, caller: Caller, person_id: str, company_id: str, name: str) -> int:
        for _ in range(ATTEMPTS):
            person = await self._w.repo.get(person_id)
            if (
                not isinstance(person, Customer)
                or person.merged_into
                or person.company_id != company_id
                or person.company_name == name
            ):
                return 0
            after, changes = self._w.next_state(person, {"company_name": name})
            try:
                await self._w.commit_update(caller, person, after, changes)
                return 1
            except VersionConflict:
                continue
        raise Conflict(f"customer {person_id} keeps changing; the rename is resumed later")
