"""RFM quintiles over the customer base (``domain/rfm.py``): a periodic job keeps the cut
points in one state document, so a customer's quantile scores cost no scan per request."""

from __future__ import annotations

from typing import Any

from crm_shared.clock import Clock, system_clock

from crm_insights.domain import rfm
from crm_insights.service.ports import Doc, ReadModels

CUTS = "rfm-quantiles"
"""The state key of the cut points (no customer id holds it: customers' keys have a prefix)."""


class RfmQuantiles:
    def __init__(self, *, models: ReadModels, prefix: str, clock: Clock = system_clock) -> None:
        self._models = models
        self._prefix = prefix
        self._clock = clock

    async def refresh(self) -> dict[str, Any]:
        """One round: reads every customer's deal document (a scan), stores the cut points."""
        rows = [row for doc in await self._models.scan_states(self._prefix) if (row := rfm.raw(doc)) is not None]
        stored = {**rfm.cuts(rows), "computed_at": self._clock()}
        await self._models.put_state(CUTS, stored)
        return stored

    @staticmethod
    def scored(deals: Doc | None, stored: Doc | None) -> dict[str, Any] | None:
        """The customer's quantile scores and segment, once the job has run and it has won a deal."""
        row = rfm.raw(deals)
        if row is None or stored is None:
            return None
        return {**rfm.score(row, stored), "computed_at": stored["computed_at"], "customers": stored["customers"]}
