"""GDPR: export everything contacts holds about a customer; erase it (admin only).

Erasure steps (each idempotent, resumed by the sweeper after a crash): commit the
erased state (no personal data) with ``crm.customer.erased``; do the same, without
events, for records merged into it; scrub their revisions (the history keeps who
changed which field when, never a value); delete the 360 data, timeline and
idempotency keys; once the erased event is on Kafka, send the tombstone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_shared.errors import Conflict, VersionConflict

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.inputs import ErasureRequest
from crm_contacts.domain.permissions import Action, require
from crm_contacts.service import events
from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import (
    Erased,
    IdempotencyRepository,
    ProjectionRepository,
    SagaRepository,
    TombstoneSink,
)
from crm_contacts.service.queries import history_entry
from crm_contacts.service.sagas import InFlight, caller_doc, caller_from
from crm_contacts.service.writer import Writer, audit

ATTEMPTS = 5
HISTORY_LIMIT = 10_000


@dataclass(frozen=True)
class ErasureResult:
    customer_id: str
    version: int
    done: bool
    """False while the tombstone waits for the erased event to reach Kafka (the sweeper finishes)."""


class GdprService:
    def __init__(
        self,
        *,
        writer: Writer,
        projections: ProjectionRepository,
        idempotency: IdempotencyRepository,
        sagas: SagaRepository,
        tombstones: TombstoneSink,
    ) -> None:
        self._w = writer
        self._projections = projections
        self._idempotency = idempotency
        self._sagas = sagas
        self._in_flight = InFlight()
        self._tombstones = tombstones

    async def export(self, caller: Caller, customer_id: str) -> dict[str, Any]:
        require(caller.roles, Action.EXPORT)
        customer = await self._w.load(customer_id)
        merged = await self._w.repo.merged_into(customer.id)
        return {
            "customer": customer.public(),
            "history": await self._history(customer.id),
            "merged_records": [{"customer": m.public(), "history": await self._history(m.id)} for m in merged],
            "activity": await self._projections.export(customer.id),
        }

    async def _history(self, customer_id: str) -> list[dict[str, Any]]:
        revisions = await self._w.repo.history(customer_id, before=None, limit=HISTORY_LIMIT)
        return [history_entry(r) for r in revisions]

    async def erase(self, caller: Caller, customer_id: str, request: ErasureRequest) -> ErasureResult:
        require(caller.roles, Action.ERASE)
        stored = await self._w.repo.get(customer_id)
        if stored is None:
            await self._w.load(customer_id)  # 404
        if isinstance(stored, Customer) and stored.merged_into:
            raise Conflict(
                f"customer {customer_id} was merged into {stored.merged_into}: erase the survivor, "
                "which erases the records merged into it"
            )
        saga = await self._sagas.start(
            "erasure",
            customer_id,
            {
                "customer_id": customer_id,
                "reason": request.reason,
                "request_id": request.request_id,
                "caller": caller_doc(caller),
            },
        )
        if saga.get("state") == "done" and isinstance(stored, Erased):
            return ErasureResult(customer_id, stored.version, done=True)
        return await self._in_flight.run(saga, self._run)

    async def resume_pending(self) -> int:
        return await self._in_flight.resume(await self._sagas.pending("erasure"), self._run)

    async def _run(self, saga: dict[str, Any]) -> ErasureResult:
        caller = caller_from(saga["caller"])
        customer_id: str = saga["customer_id"]
        state = await self._erase_record(caller, customer_id, saga, publish=True)
        for merged in await self._w.repo.merged_into(customer_id):
            await self._erase_record(caller, merged.id, saga, publish=False)
        await self._w.repo.publish_pending(customer_id)
        done = await self._w.repo.is_published(customer_id, state.version)
        if done:
            await self._tombstones.send_raw(self._w.topics.customer, key=customer_id.encode(), value=None)
            await self._sagas.finish("erasure", saga["saga_id"])
        return ErasureResult(customer_id, state.version, done)

    async def _erase_record(self, caller: Caller, customer_id: str, saga: dict[str, Any], *, publish: bool) -> Erased:
        """Erased state committed (event only for the requested id), history scrubbed, 360 data gone."""
        state: Erased | None = None
        for _ in range(ATTEMPTS):
            stored = await self._w.repo.get(customer_id)
            if stored is None:
                raise Conflict(f"customer {customer_id} vanished during erasure")
            if isinstance(stored, Erased):
                state = stored
                break
            state = Erased(id=customer_id, version=stored.version + 1, erased_at=self._w.now())
            event = events.erased(state, reason=saga["reason"], request_id=saga["request_id"], caller=caller)
            try:
                await self._w.repo.commit(
                    state=state,
                    expected_version=stored.version,
                    events=[(self._w.topics.customer, event)] if publish else [],
                    actor=caller.actor_header,
                    audit=audit("erased", caller, reason=saga["reason"], request_id=saga["request_id"]),
                )
                break
            except VersionConflict:
                state = None
        if state is None:
            raise Conflict(f"customer {customer_id} keeps changing; erasure will be retried")
        await self._w.repo.scrub_history(customer_id, below_version=state.version)
        await self._projections.purge(customer_id)
        await self._idempotency.forget_customer(customer_id)
        return state
