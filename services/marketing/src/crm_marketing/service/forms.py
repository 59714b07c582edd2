"""Web forms: definitions (editors), the embeddable snippet, and public submissions.

A submission passes the rate limit, the honeypot and the form token, then becomes one
lead in sales (idempotent: the same token and address make the same lead) and, if the
box was ticked, a consent entry in the ledger of ``lead:<lead id>`` (the lead's key until
it is converted) with the form and its wording as the proof reference.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from crm_shared.aggregates.port import AggregateStorePort
from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import CrmError, Forbidden, NotFound, ValidationFailed
from crm_shared.events import Actor

from crm_marketing.adapters.ratelimit import PerAddressLimit
from crm_marketing.adapters.sales import HttpSales
from crm_marketing.domain import consent as rules
from crm_marketing.domain import permissions as perm
from crm_marketing.domain.forms import FormIn, FormTokens, SubmissionIn, snippet
from crm_marketing.service.consent import ConsentLedger
from crm_marketing.service.scoring import LeadScoring

VISITOR = Actor(id="web-visitor", kind="user")


class TooManyRequests(CrmError):
    status, code, title = 429, "too_many_requests", "Too many requests"


class FormService:
    def __init__(
        self,
        *,
        store: AggregateStorePort,
        tokens: FormTokens,
        limit: PerAddressLimit,
        sales: HttpSales,
        ledger: ConsentLedger,
        scoring: LeadScoring,
        clock: Clock,
        public_base_url: str,
    ) -> None:
        self.store = store
        self._tokens = tokens
        self._limit = limit
        self._sales = sales
        self._ledger = ledger
        self._scoring = scoring
        self._clock = clock
        self._base = public_base_url

    async def create(self, *, caller: Principal, body: FormIn) -> dict[str, Any]:
        perm.require(caller, perm.EDITORS, "create forms")
        form_id = f"frm_{uuid.uuid4().hex[:12]}"
        snapshot = {**body.model_dump(), "created_at": self._clock(), "created_by": caller.sub}
        await self.store.commit(
            aggregate_id=form_id, expected_version=0, snapshot=snapshot, events=[], actor=caller.sub
        )
        return {
            **snapshot,
            "id": form_id,
            "embed": snippet(form_id, base_url=self._base, consent_text=body.consent_text),
        }

    async def _form(self, form_id: str) -> dict[str, Any]:
        doc = await self.store.get(form_id)
        if doc is None:
            raise NotFound(f"form {form_id} not found")
        return doc

    async def token(self, *, form_id: str, client: str) -> str:
        if not await self._limit.allow(f"token:{client}"):
            raise TooManyRequests("too many requests from this address; try again in a minute")
        await self._form(form_id)
        return self._tokens.issue(form_id)

    async def submit(self, *, form_id: str, body: SubmissionIn, client: str) -> dict[str, Any]:
        if not await self._limit.allow(f"submit:{client}"):
            raise TooManyRequests("too many submissions from this address; try again in a minute")
        if body.website:
            raise ValidationFailed.field(["website"], "this field must be left empty")
        why = self._tokens.check(body.token, form_id)
        if why is not None:
            raise Forbidden(f"the form token is {why.replace('_', ' ')}; reload the page")
        form = await self._form(form_id)
        key = hashlib.sha256(f"{body.token}|{body.email.lower()}".encode()).hexdigest()[:40]
        lead = await self._sales.create_lead(
            {
                "email": body.email.lower(), "first_name": body.first_name, "last_name": body.last_name,
                "company_name": body.company_name, "source": form["source"],
            },
            idempotency_key=f"form-{key}",
        )  # fmt: skip
        if lead.get("version") == 1:  # a new lead: its first submission (a repeat is the same one)
            await self._scoring.record_submission(str(lead["id"]), at=self._clock())
        lead_key = f"lead:{lead['id']}"
        if body.consent and not await self._ledger.entries(lead_key):
            entry = rules.EntryIn(
                purpose=form["purpose"], channel="email", action="granted", legal_basis="consent",
                source="web_form", proof=f"form:{form_id}:v{form['version']}:{key[:16]}",
            )  # fmt: skip
            await self._ledger.record(lead_key, entry, actor=VISITOR)
        return {"lead_id": lead["id"], "consent": body.consent}
