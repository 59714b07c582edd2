"""Loading and committing customers: the one write path every use case goes through.

Every change is one ``AggregateStore.commit`` (through the repository): the revision
insert is the optimistic-concurrency check, the audit record and the outbox entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.clock import Clock, system_clock
from crm_shared.errors import Conflict, Gone, NotFound, ValidationFailed, VersionConflict
from crm_shared.topics import Topics
from pydantic import ValidationError

from crm_contacts.domain.changes import Changes, diff
from crm_contacts.domain.customer import BUSINESS_FIELDS, Customer, person_display_name
from crm_contacts.domain.normalize import to_millis
from crm_contacts.service import events
from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import CustomerCommit, CustomerRepository, Erased


def audit(kind: str, caller: Caller, changes: Changes | None = None, **extra: Any) -> dict[str, Any]:
    """The ``changes`` document of a revision: what the history endpoint shows."""
    doc: dict[str, Any] = {"type": kind, "origin": caller.origin, "fields": changes.audit() if changes else {}}
    if caller.causation_id:
        doc["causation_id"] = caller.causation_id
    doc.update(extra)
    return doc


def build(data: dict[str, Any]) -> Customer:
    """A Customer from computed values; a pydantic error becomes a field-level 422."""
    try:
        return Customer.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            "the customer is not valid",
            errors=[{"loc": [p for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()],
        ) from exc


def derive_names(kind: str, values: dict[str, Any], current: Customer | None) -> None:
    """Fill ``display_name`` from the names when the client did not give one; a company's
    ``display_name`` and ``company_name`` follow each other when only one is given."""
    if kind == "company" and values.get("display_name") and not values.get("company_name"):
        values["company_name"] = values["display_name"]
    if values.get("display_name"):
        return
    base = current.model_dump() if current else {}
    merged = {**base, **values}
    if kind == "person" and ({"first_name", "last_name"} & values.keys() or current is None):
        name = person_display_name(merged.get("first_name"), merged.get("last_name"))
    elif kind == "company" and ("company_name" in values or current is None):
        name = merged.get("company_name") or ""
    else:
        name = base.get("display_name") or ""
    if not name:
        loc = ["first_name"] if kind == "person" else ["company_name"]
        raise ValidationFailed(
            "a name is required",
            errors=[
                {
                    "loc": loc,
                    "msg": "a person needs a first or last name (or display_name); "
                    "a company needs company_name (or display_name)",
                    "type": "missing",
                }
            ],
        )
    values["display_name"] = name


class Writer:
    def __init__(self, *, repo: CustomerRepository, topics: Topics, clock: Clock = system_clock) -> None:
        self.repo = repo
        self.topics = topics
        self._clock = clock

    def now(self) -> datetime:
        """Truncated to milliseconds, what the store keeps, so a record read back equals the one written."""
        return to_millis(self._clock())

    async def load(self, customer_id: str) -> Customer:
        """The customer, merged-away ones included; 404 unknown, 410 erased."""
        stored = await self.repo.get(customer_id)
        if stored is None:
            raise NotFound(f"customer {customer_id} does not exist")
        if isinstance(stored, Erased):
            raise Gone(f"customer {customer_id} was erased")
        return stored

    async def load_live(self, customer_id: str, *, expected_version: int | None = None) -> Customer:
        """A customer that may change: not merged away; 412 if ``expected_version`` is stale."""
        customer = await self.load(customer_id)
        if customer.merged_into:
            raise Conflict(
                f"customer {customer_id} was merged into {customer.merged_into}; change the survivor",
                merged_into=customer.merged_into,
            )
        if expected_version is not None and expected_version != customer.version:
            raise VersionConflict(
                f"customer {customer_id} is at version {customer.version}, not {expected_version}",
                current_version=customer.version,
            )
        return customer

    async def link_company(self, values: dict[str, Any], kind: str) -> None:
        """A person's ``company_id`` must name a live company; its name is copied."""
        company_id = values.get("company_id")
        if not company_id:
            return
        loc = {"loc": ["company_id"], "type": "company"}
        if kind != "person":
            raise ValidationFailed(
                "only a person belongs to a company", errors=[{**loc, "msg": "only a person belongs to a company"}]
            )
        stored = await self.repo.get(company_id)
        if not isinstance(stored, Customer) or stored.kind != "company" or stored.archived:
            raise ValidationFailed("unknown company", errors=[{**loc, "msg": "no such (live) company"}])
        values["company_name"] = stored.company_name or stored.display_name

    def next_state(self, before: Customer, values: dict[str, Any]) -> tuple[Customer, Changes]:
        after = build(
            {
                **before.model_dump(),
                **values,
                "version": before.version + 1,
                "updated_at": max(self.now(), before.updated_at),
            }
        )
        return after, diff(before.model_dump(), after.model_dump(), BUSINESS_FIELDS)

    async def commit_update(
        self, caller: Caller, before: Customer, after: Customer, changes: Changes, *, kind: str = "updated"
    ) -> Customer:
        (outcome,) = await self.repo.commit_many([self.update_commit(caller, before, after, changes, kind=kind)])
        if isinstance(outcome, VersionConflict):
            raise outcome
        return after

    def update_commit(
        self, caller: Caller, before: Customer, after: Customer, changes: Changes, *, kind: str = "updated"
    ) -> CustomerCommit:
        """The commit of ``before`` becoming ``after``: its ``customer.updated`` event and audit."""
        event = events.updated(after, changes, caller)
        return CustomerCommit(
            after,
            before.version,
            [(self.topics.customer, event)],
            caller.actor_header,
            audit(kind, caller, changes),
            before=before,
        )
