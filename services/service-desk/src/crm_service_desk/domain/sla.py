"""SLA policies and the SLA clock: pure functions of a ticket's status history.

A target (first response, resolution) allows ``limit_s`` seconds of *service time*:
time on the policy's calendar while the ticket is in a running status (``new`` or
``open``). The clock pauses in the policy's pause statuses (``pending``,
``on_hold``) and stops while the ticket is solved or closed (a reopen resumes it).
The first-response clock stops for good at the first public agent reply.

Every instant here (deadline, warning time) is exact and derived from the history,
so two processes computing it agree, and a worker restart changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Self

from crm_shared.events.ticket import SlaTarget, TicketPriority, TicketStatus
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_service_desk.domain.calendar import Calendar, add_business_seconds, business_seconds

SlaKind = Literal["warning", "breach"]
TARGETS: tuple[SlaTarget, ...] = ("first_response", "resolution")
KINDS: tuple[SlaKind, ...] = ("warning", "breach")
STOPPED: frozenset[TicketStatus] = frozenset({"solved", "closed"})
PauseStatus = Literal["pending", "on_hold"]


def _default_pause() -> list[PauseStatus]:
    return ["pending", "on_hold"]


def _default_pause_statuses() -> list[TicketStatus]:
    return ["pending", "on_hold"]


# Ten years of service time: beyond it a target means nothing, and unbounded integers
# overflowed the store's 64-bit integers (a 500 instead of a 422).
MAX_TARGET_S = 10 * 365 * 24 * 3600


class TargetRule(BaseModel):
    """Targets for one priority, optionally only for one customer tier."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    priority: TicketPriority
    tier: str | None = Field(default=None, description="Only for customers of this tier; null = any tier.")
    first_response_s: int = Field(
        gt=0, le=MAX_TARGET_S, description="Seconds of service time until the first public reply."
    )
    resolution_s: int = Field(gt=0, le=MAX_TARGET_S, description="Seconds of service time until solved.")


class PolicyRules(BaseModel):
    """The editable part of an SLA policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    position: int = Field(default=100, ge=0, le=1_000_000, description="Lower wins when several policies match.")
    active: bool = True
    calendar: Calendar = Field(default_factory=Calendar)
    warning_share: float | None = Field(
        default=None, gt=0, lt=1, description="Warn at this share of the target; null = the service default."
    )
    pause_statuses: list[PauseStatus] = Field(default_factory=_default_pause)
    targets: list[TargetRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_targets(self) -> Self:
        keys = [(t.priority, t.tier) for t in self.targets]
        if len(keys) != len(set(keys)):
            raise ValueError("two targets for the same priority and tier")
        return self

    def rule_for(self, priority: TicketPriority, tier: str | None) -> TargetRule | None:
        """A tier-specific target beats the any-tier one."""
        generic = None
        for rule in self.targets:
            if rule.priority != priority:
                continue
            if rule.tier is not None and rule.tier == tier:
                return rule
            if rule.tier is None:
                generic = rule
        return generic


class TicketSla(BaseModel):
    """The SLA a ticket runs under, frozen onto the ticket (later policy edits do not
    move deadlines already promised)."""

    model_config = ConfigDict(frozen=True)

    policy_id: str
    policy_name: str
    first_response_s: int
    resolution_s: int
    warning_share: float
    calendar: Calendar
    pause_statuses: list[TicketStatus] = Field(default_factory=_default_pause_statuses)

    def limit(self, target: SlaTarget) -> int:
        return self.first_response_s if target == "first_response" else self.resolution_s


def choose_sla(
    policies: list[tuple[str, PolicyRules]], *, priority: TicketPriority, tier: str | None, default_warning_share: float
) -> TicketSla | None:
    """The first active policy (by position) with a target for this priority and tier."""
    for policy_id, rules in sorted(policies, key=lambda p: (p[1].position, p[0])):
        rule = rules.rule_for(priority, tier) if rules.active else None
        if rule is not None:
            return TicketSla(
                policy_id=policy_id,
                policy_name=rules.name,
                first_response_s=rule.first_response_s,
                resolution_s=rule.resolution_s,
                warning_share=rules.warning_share or default_warning_share,
                calendar=rules.calendar,
                pause_statuses=list(rules.pause_statuses),
            )
    return None


class StatusChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: TicketStatus
    at: datetime


@dataclass(frozen=True)
class TargetClock:
    """One target's clock at ``now``."""

    target: SlaTarget
    limit_s: int
    elapsed_s: float
    running: bool
    met: bool
    warn_at: datetime | None
    """When the warning share is (or, while running, will be) reached; None if not reached and paused."""
    due_at: datetime | None
    """When the target is (or, while running, will be) breached; None if not reached and paused."""

    def at(self, kind: SlaKind) -> datetime | None:
        return self.warn_at if kind == "warning" else self.due_at


def _intervals(
    sla: TicketSla, log: list[StatusChange], *, now: datetime, stop_at: datetime | None
) -> tuple[list[tuple[datetime, datetime]], datetime | None]:
    """Closed running intervals up to ``now`` (or ``stop_at``) and the start of an open one."""
    closed: list[tuple[datetime, datetime]] = []
    open_from: datetime | None = None
    end_of_time = min(now, stop_at) if stop_at else now
    for i, change in enumerate(log):
        if change.status in STOPPED or change.status in sla.pause_statuses:
            continue
        start = change.at
        nxt = log[i + 1].at if i + 1 < len(log) else None
        if nxt is None and stop_at is None:
            open_from = start  # running now
            break
        end = min(nxt or end_of_time, end_of_time)
        if end > start:
            closed.append((start, end))
    return closed, open_from


def _instant(
    cal: Calendar, closed: list[tuple[datetime, datetime]], open_from: datetime | None, amount: float
) -> datetime | None:
    """When ``amount`` seconds of service time are reached over the intervals."""
    used = 0.0
    for start, end in closed:
        length = business_seconds(cal, start, end)
        if used + length >= amount:
            return add_business_seconds(cal, start, amount - used)
        used += length
    if open_from is not None:
        return add_business_seconds(cal, open_from, amount - used)
    return None


def target_clock(
    sla: TicketSla, log: list[StatusChange], target: SlaTarget, *, now: datetime, first_response_at: datetime | None
) -> TargetClock:
    current = log[-1].status if log else "new"
    if target == "first_response":
        met, stop_at = first_response_at is not None, first_response_at
    else:
        met, stop_at = current in STOPPED, None
    closed, open_from = _intervals(sla, log, now=now, stop_at=stop_at)
    cal = sla.calendar
    elapsed = sum(business_seconds(cal, a, b) for a, b in closed)
    if open_from is not None:
        elapsed += business_seconds(cal, open_from, now)
    limit = sla.limit(target)
    return TargetClock(
        target=target,
        limit_s=limit,
        elapsed_s=elapsed,
        running=open_from is not None,
        met=met,
        warn_at=_instant(cal, closed, open_from, limit * sla.warning_share),
        due_at=_instant(cal, closed, open_from, limit),
    )


def clocks(
    sla: TicketSla, log: list[StatusChange], *, now: datetime, first_response_at: datetime | None
) -> dict[SlaTarget, TargetClock]:
    return {t: target_clock(sla, log, t, now=now, first_response_at=first_response_at) for t in TARGETS}


def due_items(
    states: dict[SlaTarget, TargetClock], *, now: datetime, recorded: set[tuple[SlaTarget, SlaKind]]
) -> list[tuple[SlaTarget, SlaKind, datetime]]:
    """Warnings and breaches whose instant has passed and that are not recorded yet,
    in the order they happened (a warning always before its breach)."""
    out = []
    for target, state in states.items():
        for kind in KINDS:
            at = state.at(kind)
            if at is not None and at <= now and (target, kind) not in recorded:
                out.append((target, kind, at))
    return sorted(out, key=lambda item: (item[2], KINDS.index(item[1])))


def next_check(states: dict[SlaTarget, TargetClock], recorded: set[tuple[SlaTarget, SlaKind]]) -> datetime | None:
    """The earliest instant at which an unrecorded warning or breach falls due."""
    instants = [
        at
        for target, state in states.items()
        for kind in KINDS
        if (target, kind) not in recorded and (at := state.at(kind)) is not None
    ]
    return min(instants, default=None)
