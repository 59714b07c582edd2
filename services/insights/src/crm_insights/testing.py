"""Scripted deal and ticket histories for tests and benchmarks: each call is one committed change
of a deal, as sales would publish it (full snapshot, version + 1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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
    TicketCommented,
    TicketCsatRecorded,
    TicketOpened,
    TicketResolved,
    TicketSlaBreached,
    TicketSnapshot,
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
    forecast_category: str | None = None
    source: str | None = None
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
            "forecast_category": self.forecast_category,
            "source": self.source,
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


@dataclass
class ScriptedTicket:
    id: str
    customer_id: str
    priority: str
    group: str | None
    channel: str
    created: datetime
    dues: bool = True
    version: int = 0
    fields: dict[str, Any] = field(default_factory=dict)

    def _snapshot(self, at: datetime, **changes: Any) -> TicketSnapshot:
        self.version += 1
        self.fields.update(changes)
        due = {"first_response_due_at": self.created + timedelta(hours=4),
               "resolution_due_at": self.created + timedelta(days=2)} if self.dues else {}  # fmt: skip
        return TicketSnapshot.model_validate(
            {
                "id": self.id,
                "customer_id": self.customer_id,
                "subject": "help",
                "channel": self.channel,
                "priority": self.priority,
                "status": "open",
                "group": self.group,
                "created_at": self.created,
                "updated_at": at,
                "version": self.version,
                **due,
                **self.fields,
            }
        )

    def _wrap(self, data: EventData, at: datetime) -> CloudEvent:
        return CloudEvent.wrap(data, actor=ACTOR, time=at)

    def open(self) -> CloudEvent:
        return self._wrap(TicketOpened(snapshot=self._snapshot(self.created, status="new")), self.created)

    def respond(self, at: datetime) -> CloudEvent:
        snap = self._snapshot(at, first_response_at=at, status="open")
        return self._wrap(
            TicketCommented(snapshot=snap, comment_id=f"c{self.version}", author_id="agent", public=True), at
        )

    def breach(self, target: str, at: datetime) -> CloudEvent:
        breaches = [*self.fields.get("sla_breaches", []), target]
        snap = self._snapshot(at, sla_breaches=breaches)
        return self._wrap(TicketSlaBreached(snapshot=snap, target=target, due_at=at, breached_at=at), at)

    def solve(self, at: datetime) -> CloudEvent:
        snap = self._snapshot(at, status="solved", solved_at=at)
        return self._wrap(TicketResolved(snapshot=snap, from_status="open"), at)

    def rate(self, stars: int, at: datetime) -> CloudEvent:
        return self._wrap(TicketCsatRecorded(snapshot=self._snapshot(at), rating=stars), at)


def scripted_tickets() -> list[CloudEvent]:
    """The service history the tests compute by hand (tests/unit/test_service_figures.py)."""
    t1 = ScriptedTicket("t1", "c1", "high", "g1", "email", day("2026-03-01"))
    t2 = ScriptedTicket("t2", "c2", "high", "g1", "email", day("2026-03-03"))
    t3 = ScriptedTicket("t3", "c3", "low", "g2", "web", day("2026-03-05"), dues=False)
    t1.fields["assignee_id"], t2.fields["assignee_id"] = "ana", "ben"  # t3 unassigned
    return [
        t1.open(), t2.open(), t3.open(),
        t1.respond(day("2026-03-01") + timedelta(hours=2)),
        t2.breach("first_response", day("2026-03-03") + timedelta(hours=4)),
        t2.respond(day("2026-03-03") + timedelta(hours=6)),
        t1.solve(day("2026-03-02")),
        t1.rate(4, day("2026-03-02") + timedelta(hours=1)),
    ]  # fmt: skip


def cohort_history(prefix: str = "") -> tuple[list[CloudEvent], list[CloudEvent]]:
    """Won and lost deals of four customers for the cohort and RFM tests (computed by hand
    in ``tests/unit/test_cohorts.py``): the history in order, and k4's late deal (won in
    January, delivered after its February win), which moves k4 into the January cohort."""

    def deal(name: str, customer: str, amount: str, currency: str = "EUR") -> ScriptedDeal:
        return ScriptedDeal(f"{prefix}{name}", f"{prefix}{customer}", "p1", "qualify", 20, amount, currency, "alice",
                            "t1", day("2026-01-02"))  # fmt: skip

    def won(d: ScriptedDeal, at: str) -> list[CloudEvent]:
        return [d.create(), d.close("won", day(at))]

    b2 = deal("b2", "k2", "900.00")
    history = [
        *won(deal("a1", "k1", "100.00"), "2026-01-10"),
        *won(deal("b1", "k2", "300.00"), "2026-01-15"),
        *won(deal("c1", "k3", "400.00"), "2026-02-03"),
        *won(deal("e1", "k4", "500.00"), "2026-02-10"),
        b2.create(),
        b2.close("lost", day("2026-02-20")),
        *won(deal("a2", "k1", "250.00"), "2026-03-05"),
        *won(deal("a3", "k1", "50.00", "USD"), "2026-03-12"),
        *won(deal("c2", "k3", "1000.00"), "2026-03-20"),
    ]
    late = won(deal("e2", "k4", "250.00"), "2026-01-20")
    return history, late
