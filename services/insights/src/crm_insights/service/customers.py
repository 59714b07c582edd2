"""Customer value and risk: two documents per customer by ``_id`` (``customer-deals:<id>``
written by the deal consumer's batches, ``customer-tickets:<id>`` by the ticket
consumer's: one writer each), read together for ``GET /customers/{id}/insights``.

Erasure: an erased customer's documents are deleted (an ``Erasure`` item in the
partition's next batch of each consumer, so the delete has the documents' one writer),
and the erasure register keeps later or replayed deal and ticket events from writing
them again (the steps ask the register about the batch's customers first).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from crm_shared.auth import Principal
from crm_shared.clock import Clock, system_clock
from crm_shared.erasure import ErasureRegister
from crm_shared.events import DealSnapshot, EventData, TicketCsatRecorded, TicketSnapshot

from crm_insights.domain import cohorts as co
from crm_insights.domain import customers as cu
from crm_insights.domain import deals as d
from crm_insights.domain.permissions import require_customer_insights
from crm_insights.service.ports import Doc, ReadModels
from crm_insights.service.projection import Pending
from crm_insights.service.rfm import CUTS, RfmQuantiles

DEALS, TICKETS = "customer-deals", "customer-tickets"


class CustomerStep:
    """Feeds one of a customer's documents (``prefix``: DEALS or TICKETS)."""

    def __init__(self, prefix: str, register: ErasureRegister) -> None:
        self._prefix = prefix
        self._register = register
        self._erased: set[str] = set()

    def key(self, customer_id: str) -> str:
        return f"{self._prefix}:{customer_id}"

    def keys(self, data: EventData) -> list[str]:
        return [self.key(data.snapshot.customer_id)]  # type: ignore[attr-defined]

    async def prepare(self, payloads: Sequence[EventData]) -> None:
        """Asks the register about the batch's customers (concurrently, by ``_id``)."""
        ids = sorted({p.snapshot.customer_id for p in payloads})  # type: ignore[attr-defined]
        answers = await asyncio.gather(*(self._register.is_erased(c) for c in ids))
        self._erased = {c for c, erased in zip(ids, answers, strict=True) if erased}

    def erase_keys(self, customer_id: str) -> list[str]:
        return [self.key(customer_id)]

    def erase(self, customer_id: str, docs: Mapping[str, Doc | None], out: Pending) -> None:
        # the register said so already, or will: the caller records it before the batch
        self._erased.add(customer_id)
        key = self.key(customer_id)
        if self._prefix == DEALS:  # out of its cohort: a rebuild never sees it
            self._cohorts(docs.get(key), None, out)
        out.states[key] = None

    @staticmethod
    def _cohorts(old: Doc | None, new: Doc | None, out: Pending) -> None:
        for bucket, delta in d.diff(co.contribution(old), co.contribution(new)).items():
            out.add(bucket, delta, co.dims_of(bucket))

    def apply(self, data: EventData, docs: Mapping[str, Doc | None], out: Pending) -> None:
        snap: DealSnapshot | TicketSnapshot = data.snapshot  # type: ignore[attr-defined]
        if snap.customer_id in self._erased:
            return
        key = self.key(snap.customer_id)
        if self._prefix == DEALS:
            new = cu.with_deal(docs.get(key), snap)  # type: ignore[arg-type]
            if new is not None:
                self._cohorts(docs.get(key), new, out)
        else:
            rating = data.rating if isinstance(data, TicketCsatRecorded) else None
            new = cu.with_ticket(docs.get(key), snap, rating)  # type: ignore[arg-type]
        if new is not None:
            out.states[key] = new


class CustomerInsights:
    def __init__(self, *, models: ReadModels, clock: Clock = system_clock) -> None:
        self._models = models
        self._clock = clock

    async def get(self, *, caller: Principal, customer_id: str) -> dict[str, Any]:
        require_customer_insights(caller)
        docs = await self._models.states([f"{DEALS}:{customer_id}", f"{TICKETS}:{customer_id}", CUTS])
        deals, tickets = docs.get(f"{DEALS}:{customer_id}"), docs.get(f"{TICKETS}:{customer_id}")
        figures = cu.insights(deals, tickets, now=self._clock())
        return {"customer_id": customer_id, **figures, "rfm_quantiles": RfmQuantiles.scored(deals, docs.get(CUTS))}

    async def cohorts(self, *, caller: Principal) -> dict[str, Any]:
        """Retention and revenue by first-won month (``domain/cohorts.py``)."""
        require_customer_insights(caller)
        customers, revenue = await asyncio.gather(
            self._models.buckets(kind=co.CUSTOMERS), self._models.buckets(kind=co.REVENUE)
        )
        return {"cohorts": co.table(customers, revenue)}
