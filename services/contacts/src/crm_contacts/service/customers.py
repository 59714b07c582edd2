"""Customer use cases: create (idempotent), read, change, archive."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from crm_shared.errors import Conflict, Gone, ValidationFailed, VersionConflict

from crm_contacts.domain.changes import Changes, diff
from crm_contacts.domain.customer import BUSINESS_FIELDS, Customer
from crm_contacts.domain.duplicates import DuplicateCandidate
from crm_contacts.domain.inputs import CustomerDraft, CustomerPatch
from crm_contacts.domain.permissions import Action, require, require_fields, require_owner
from crm_contacts.service import events
from crm_contacts.service.caller import Caller
from crm_contacts.service.company_names import CompanyNameService, renamed
from crm_contacts.service.duplicates import DuplicateService
from crm_contacts.service.ports import (
    CustomerCommit,
    CustomFieldRepository,
    Erased,
    IdempotencyRecord,
    IdempotencyRepository,
)
from crm_contacts.service.validation import Rules, normalize_fields
from crm_contacts.service.writer import Writer, audit, build, derive_names

MAX_IDEMPOTENCY_KEY = 200


@dataclass(frozen=True)
class CreateResult:
    customer: Customer
    created: bool
    """False when an ``Idempotency-Key`` replay returned the customer made earlier."""
    duplicates: list[DuplicateCandidate]


def body_hash(draft: CustomerDraft) -> str:
    canonical = orjson.dumps(draft.model_dump(mode="json", exclude_unset=True), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


class CustomerService:
    def __init__(
        self,
        *,
        writer: Writer,
        fields: CustomFieldRepository,
        idempotency: IdempotencyRepository,
        duplicates: DuplicateService,
        companies: CompanyNameService,
        default_region: str,
    ) -> None:
        self._w = writer
        self._companies = companies
        self._fields = fields
        self._idempotency = idempotency
        self._duplicates = duplicates
        self._region = default_region

    async def _rules(self, needs_definitions: bool) -> Rules:
        definitions = await self._fields.all() if needs_definitions else {}
        return Rules(default_region=self._region, definitions=definitions, now=self._w.now())

    async def create(self, caller: Caller, draft: CustomerDraft, *, idempotency_key: str | None = None) -> CreateResult:
        require_fields(caller.roles, draft.provided() | {"kind"}, creating=True)
        if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise ValidationFailed.field(["header", "Idempotency-Key"], f"1 to {MAX_IDEMPOTENCY_KEY} characters")
        values, rules = await self._draft_values(draft)
        customer_id = str(uuid.uuid4())
        if idempotency_key is not None:
            record = await self._idempotency.claim(
                IdempotencyRecord(
                    key=f"{caller.sub}:{idempotency_key}", body_hash=body_hash(draft), customer_id=customer_id
                )
            )
            if record.body_hash != body_hash(draft):
                raise Conflict(
                    "this Idempotency-Key was used with a different request body", reason="idempotency_key_reused"
                )
            customer_id = record.customer_id
            earlier = await self._w.repo.get(customer_id)
            if isinstance(earlier, Erased):
                raise Gone(f"customer {customer_id} created with this key was erased")
            if earlier is not None:
                return CreateResult(earlier, created=False, duplicates=[])
        customer, commit = self.new_customer(caller, draft, values, rules, customer_id=customer_id)
        candidates = await self._duplicates.candidates_for(customer)
        try:
            await self._w.repo.commit(
                state=commit.state,
                expected_version=0,
                events=commit.events,
                actor=commit.actor,
                audit=commit.audit,
            )
        except VersionConflict:
            if idempotency_key is None:
                raise
            winner = await self._w.load(customer_id)  # a concurrent retry with the same key won
            return CreateResult(winner, created=False, duplicates=[])
        return CreateResult(customer, created=True, duplicates=candidates)

    def new_customer(
        self, caller: Caller, draft: CustomerDraft, values: dict[str, Any], rules: Rules, *, customer_id: str
    ) -> tuple[Customer, CustomerCommit]:
        """Version 1 of a customer and the commit that stores it (``create``'s, an import's)."""
        now = rules.now
        customer = build(
            {
                **values,
                "id": customer_id,
                "kind": draft.kind,
                "lifecycle_stage": draft.lifecycle_stage,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        changes = diff(None, customer.model_dump(), BUSINESS_FIELDS)
        events_ = [(self._w.topics.customer, events.created(customer, caller))]
        return customer, CustomerCommit(customer, 0, events_, caller.actor_header, audit("created", caller, changes))

    async def draft_values(self, caller: Caller, draft: CustomerDraft) -> tuple[dict[str, Any], Rules]:
        """What ``create`` checks and computes before it makes the customer (403, 422)."""
        require_fields(caller.roles, draft.provided() | {"kind"}, creating=True)
        return await self._draft_values(draft)

    async def _draft_values(self, draft: CustomerDraft) -> tuple[dict[str, Any], Rules]:
        names = [f for f in type(draft).model_fields if f not in {"kind", "lifecycle_stage"}]
        rules = await self._rules("custom_fields" in draft.model_fields_set)
        values = normalize_fields({f: getattr(draft, f) for f in names}, rules)
        await self._w.link_company(values, draft.kind)
        derive_names(draft.kind, values, None)
        return values, rules

    async def preview(self, draft: CustomerDraft) -> Customer:
        """The customer ``draft`` would create (422 as ``create`` would), not stored: what an
        import's dry run matches against the duplicate rules."""
        values, rules = await self._draft_values(draft)
        return self.preview_of(draft, values, rules)

    @staticmethod
    def preview_of(draft: CustomerDraft, values: dict[str, Any], rules: Rules) -> Customer:
        return build(
            {**values, "id": "preview", "kind": draft.kind, "lifecycle_stage": draft.lifecycle_stage, "version": 1,
             "created_at": rules.now, "updated_at": rules.now}
        )  # fmt: skip

    @property
    def writer(self) -> Writer:
        return self._w

    async def get(self, caller: Caller, customer_id: str) -> Customer:
        require(caller.roles, Action.READ)
        return await self._w.load(customer_id)

    async def update(
        self, caller: Caller, customer_id: str, patch: CustomerPatch, *, expected_version: int | None
    ) -> Customer:
        require(caller.roles, Action.UPDATE)
        before = await self._w.load_live(customer_id, expected_version=expected_version)
        after, changes = await self.changed_customer(caller, before, patch)
        if changes is None:
            return before
        committed = await self._w.commit_update(caller, before, after, changes)
        await self.after_update(caller, before, committed)
        return committed

    async def changed_customer(
        self, caller: Caller, before: Customer, patch: CustomerPatch
    ) -> tuple[Customer, Changes | None]:
        """What ``patch`` makes of ``before`` and the changes (None: nothing changes); 403, 422
        as ``update``. ``before`` must be live (not merged away)."""
        require(caller.roles, Action.UPDATE)
        requested = patch.changes()
        rules = await self._rules("custom_fields" in requested)
        values = normalize_fields(
            requested, rules, current_consent=before.model_dump()["consent"], current_custom=before.custom_fields
        )
        if "company_id" in values:
            if values["company_id"] is None:
                values.setdefault("company_name", None)
            await self._w.link_company(values, before.kind)
        derive_names(before.kind, values, before)
        after, changes = self._w.next_state(before, values)
        if not changes:
            return before, None
        require_fields(caller.roles, changes.changed_fields, creating=False)
        require_owner(
            caller.roles, sub=caller.sub, owner_id=before.owner_id, action=Action.UPDATE, fields=changes.changed_fields
        )
        return after, changes

    async def after_update(self, caller: Caller, before: Customer, committed: Customer) -> None:
        """What follows a committed update: a renamed company's people follow."""
        if renamed(before, committed):
            await self._companies.on_renamed(caller, committed)

    async def archive(
        self, caller: Caller, customer_id: str, *, expected_version: int | None, archived: bool = True
    ) -> Customer:
        require(caller.roles, Action.ARCHIVE)
        before = await self._w.load_live(customer_id, expected_version=expected_version)
        require_owner(caller.roles, sub=caller.sub, owner_id=before.owner_id, action=Action.ARCHIVE)
        if before.archived == archived:
            return before
        after, changes = self._w.next_state(before, {"archived": archived})
        return await self._w.commit_update(caller, before, after, changes, kind="archived" if archived else "restored")
