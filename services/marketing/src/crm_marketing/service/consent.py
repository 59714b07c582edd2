"""The consent ledger: one aggregate per customer, one revision per entry.

Entries come from people (the console, the API), from recipients (one-click
unsubscribe, web forms) and from contacts' consent fields changing (``crm.customer``):
contacts' fields stay the customer's current state, the ledger is the history of how it
came to be, and the decision at send time reads the ledger (:func:`may_contact`).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import CrmError, VersionConflict
from crm_shared.events import Actor, CloudEvent, ConsentRecorded
from crm_shared.kafka.consumer import TransientError

from crm_marketing.adapters.services import HttpContacts
from crm_marketing.adapters.stores import ErasableStore
from crm_marketing.domain import consent as rules
from crm_marketing.domain import permissions as perm

ATTEMPTS = 8
log = logging.getLogger(__name__)


class ConsentLedger:
    def __init__(self, *, store: ErasableStore, topic: str, clock: Clock, contacts: HttpContacts | None = None) -> None:
        self.store = store
        self._topic = topic
        self._clock = clock
        self._contacts = contacts

    async def entries(self, customer_id: str) -> list[dict[str, Any]]:
        doc = await self.store.get(customer_id)
        return list((doc or {}).get("entries", []))

    async def may_contact(self, customer_id: str, *, purpose: str, channel: str = "email") -> bool:
        return rules.may_contact(await self.entries(customer_id), purpose=purpose, channel=channel)

    async def history(self, *, caller: Principal, customer_id: str) -> dict[str, Any]:
        perm.require(caller, perm.READERS + perm.CONSENT_WRITERS, "read the consent ledger")
        entries = await self.entries(customer_id)
        return {"customer_id": customer_id, "entries": entries, "current": rules.current(entries)}

    async def record_by(self, *, caller: Principal, customer_id: str, body: rules.EntryIn) -> dict[str, Any]:
        perm.require(caller, perm.CONSENT_WRITERS, "record consent")
        return await self.record(customer_id, body, actor=caller.actor())

    async def record(
        self, customer_id: str, body: rules.EntryIn, *, actor: Actor, at: datetime | None = None
    ) -> dict[str, Any]:
        """Append one entry (retried on a concurrent append)."""
        at = at or self._clock()
        for _ in range(ATTEMPTS):
            doc = await self.store.get(customer_id)
            version = int(doc["version"]) if doc else 0
            entry = rules.entry(body, entry_id=f"ce_{uuid.uuid4().hex[:16]}", at=at, actor=actor.id)
            entries = [*(doc or {}).get("entries", []), entry]
            data = ConsentRecorded(
                customer_id=customer_id,
                version=version + 1,
                entry_id=entry["id"],
                purpose=body.purpose,
                channel=body.channel,
                action=body.action,
                legal_basis=body.legal_basis,
                source=body.source,
                recorded_at=at,
            )
            try:
                await self.store.commit(
                    aggregate_id=customer_id,
                    expected_version=version,
                    snapshot={"entries": entries},
                    events=[(self._topic, CloudEvent.wrap(data, actor=actor, time=at))],
                    actor=actor.id,
                )
            except VersionConflict:
                continue
            await self._write_back(customer_id, body, at)
            return entry
        raise TransientError(f"consent ledger of {customer_id} kept changing")

    async def withdraw_once(self, customer_id: str, *, purpose: str, source: str, proof: str, actor: Actor) -> bool:
        """A recipient's unsubscribe: recorded if it changes anything (a second click does not)."""
        if not await self.may_contact(customer_id, purpose=purpose):
            return False
        entry = rules.EntryIn(
            purpose=purpose, channel="email", action="withdrawn", legal_basis="consent", source=source, proof=proof
        )
        await self.record(customer_id, entry, actor=actor)
        return True

    async def erase(self, customer_id: str) -> None:
        """The ledger and its revisions, by ``_id`` (what an erasure keeps is the
        suppression hash, :meth:`LiveSegments.erase`)."""
        await self.store.erase(customer_id)

    async def _write_back(self, customer_id: str, body: rules.EntryIn, at: datetime) -> None:
        """A general withdrawal or an objection also turns off contacts' consent fields, so the
        customer's current state (contacts) agrees with the ledger. Best effort: the ledger
        decides at send time whatever contacts says, and a failure here is logged."""
        channels = rules.contacts_channels(body)
        if self._contacts is None or not channels or customer_id.startswith("lead:"):
            return
        try:
            await self._contacts.refuse(customer_id, channels, source=f"marketing:{body.source}", at=at.isoformat())
        except CrmError as exc:
            log.warning("consent not written back to contacts", extra={"customer_id": customer_id, "error": str(exc)})
