"""The deal stage state machine (pure): which moves are allowed and what they mean.

    open stage --move--> another open stage      crm.deal.stage_changed
    open stage --win---> the won stage            crm.deal.won  (reason optional)
    open stage --lose--> the lost stage           crm.deal.lost (reason required)
    won / lost: terminal, nothing moves a closed deal

Moving backwards between open stages is allowed (a deal can fall back to
qualification); moving to the stage the deal is in is refused (409), so a repeated
request cannot publish a second event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from crm_shared.errors import InvalidTransition, ValidationFailed

from crm_sales.domain.pipeline import Pipeline

MoveKind = Literal["stage_changed", "won", "lost"]
DealStatus = Literal["open", "won", "lost"]


@dataclass(frozen=True)
class StageMove:
    kind: MoveKind
    from_stage: str
    to_stage: str
    probability: int
    status: DealStatus
    time_in_previous_stage_s: float
    reason: str | None
    at: datetime


def plan_move(
    *,
    status: DealStatus,
    current_stage: str,
    stage_entered_at: datetime,
    pipeline: Pipeline,
    to_stage: str,
    reason: str | None,
    now: datetime,
) -> StageMove:
    """The move of a deal from ``current_stage`` to ``to_stage``, or the error why not."""
    if status != "open":
        raise InvalidTransition(
            f"the deal is closed ({status}); a closed deal does not change stage",
            current_stage=current_stage,
            deal_status=status,
        )
    target = pipeline.stage(to_stage)
    if target is None:
        known = ", ".join(s.id for s in pipeline.stages)
        raise ValidationFailed.field(["stage"], f"pipeline {pipeline.id!r} has no stage {to_stage!r} (known: {known})")
    if target.id == current_stage:
        raise InvalidTransition(f"the deal is already in stage {to_stage!r}", current_stage=current_stage)
    reason = reason.strip() if reason and reason.strip() else None
    if target.kind == "lost" and reason is None:
        raise ValidationFailed.field(["reason"], "a lost deal needs a reason (e.g. price, competitor, no_budget)")
    kind: MoveKind = "stage_changed" if target.kind == "open" else target.kind
    new_status: DealStatus = "open" if target.kind == "open" else target.kind
    return StageMove(
        kind=kind,
        from_stage=current_stage,
        to_stage=target.id,
        probability=target.probability,
        status=new_status,
        time_in_previous_stage_s=max((now - stage_entered_at).total_seconds(), 0.0),
        reason=reason,
        at=now,
    )
