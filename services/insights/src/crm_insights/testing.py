"""Scripted deal histories for tests and benchmarks: each call is one committed change
of a deal, as sales would publish it (full snapshot, version + 1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from crm_shared.events import (
    Actor,
    CloudEvent,
    DealCreated,
    DealLost,
    DealSnapshot,
    DealStageChanged,
    DealUpdated,
    DealWon,
    EventData,
)

ACTOR = Actor(id="script", department="sales")


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class ScriptedDeal:
    id: str
    customer_id: str
    pipeline_id: str
    stage: str
    probability: int
    amount: str
    currency: str
    owner: str | None
    team: str | None
    created: datetime
    expected_close: date | None = None
    version: int = 0
    stage_entered: datetime | None = None
    events: list[CloudEvent] = field(default_factory=list)

    def _snapshot(self, at: datetime, **changes: Any) -> DealSnapshot:
        self.version += 1
        fields: dict[str, Any] = {
            "id": self.id,
            "customer_id": self.customer_id,
            "name": f"deal {self.id}",
            "pipeline_id": self.pipeline_id,
            "stage": self.stage,
            "stage_probability": self.probability,
            "status": "open",
            "amount": Decimal(self.amount),
            "currency": self.currency,
            "expected_close_date": self.expected_close,
            "owner_id": self.owner,
            "team": self.team,
            "stage_entered_at": self.stage_entered or self.created,
            "created_at": self.created,
            "updated_at": at,
            "version": self.version,
        }
        fields.update(changes)
        return DealSnapshot.model_validate(fields)

    def _emit(self, data: EventData, at: datetime) -> CloudEvent:
        event = CloudEvent.wrap(data, actor=ACTOR, time=at)
        self.events.append(event)
        return event

    def create(self) -> CloudEvent:
        self.stage_entered = self.created
        return self._emit(DealCreated(snapshot=self._snapshot(self.created), change_origin="sales"), self.created)

    def move(self, stage: str, probability: int, at: datetime) -> CloudEvent:
        spent = (at - (self.stage_entered or self.created)).total_seconds()
        before = self.stage
        self.stage, self.probability, self.stage_entered = stage, probability, at
        data = DealStageChanged(
            snapshot=self._snapshot(at), from_stage=before, to_stage=stage, probability=probability,
            time_in_previous_stage_s=spent,
        )  # fmt: skip
        return self._emit(data, at)

    def update(self, at: datetime, **changes: Any) -> CloudEvent:
        previous = {k: str(getattr(self, k)) for k in changes}
        for name, value in changes.items():
            setattr(self, name, value)
        data = DealUpdated(
            snapshot=self._snapshot(at), changed_fields=list(changes), previous=previous, change_origin="sales"
        )
        return self._emit(data, at)

    def close(self, outcome: str, at: datetime) -> CloudEvent:
        self.stage, self.probability, self.stage_entered = outcome, 100 if outcome == "won" else 0, at
        snap = self._snapshot(at, status=outcome)
        data: EventData = DealWon(snapshot=snap) if outcome == "won" else DealLost(snapshot=snap, reason="price")
        return self._emit(data, at)


def scripted_history(prefix: str = "") -> list[CloudEvent]:
    """The history the table-driven tests compute by hand (README, "Figures")."""
    d1 = ScriptedDeal(f"{prefix}d1", "c1", "p1", "qualify", 20, "1000.00", "EUR", "alice", "t1", day("2026-01-05"),
                      date(2026, 3, 15))  # fmt: skip
    d2 = ScriptedDeal(f"{prefix}d2", "c2", "p1", "qualify", 20, "500.00", "EUR", "alice", "t1", day("2026-01-06"),
                      date(2026, 3, 20))  # fmt: skip
    d3 = ScriptedDeal(f"{prefix}d3", "c3", "p1", "qualify", 20, "2000.00", "EUR", "bob", "t2", day("2026-01-07"),
                      date(2026, 3, 31))  # fmt: skip
    d4 = ScriptedDeal(f"{prefix}d4", "c1", "p1", "qualify", 20, "300.00", "USD", "bob", "t2", day("2026-02-01"))
    return [
        d1.create(),
        d2.create(),
        d3.create(),
        d1.move("propose", 50, day("2026-01-10")),
        d3.move("propose", 50, day("2026-01-17")),
        d2.close("lost", day("2026-01-20")),
        d3.update(day("2026-01-20"), amount="2500.00"),
        d1.close("won", day("2026-02-01")),
        d4.create(),
    ]
