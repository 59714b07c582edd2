"""Deal events (topic ``crm.deal``, published by sales, keyed by the deal's customer).

Every deal event carries the full :class:`DealSnapshot`.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from crm_shared.events.base import EventData, register
from crm_shared.events.common import (
    CHANGE_ORIGIN_DESCRIPTION,
    ChangeEvent,
    CurrencyCode,
    Money,
    Snapshot,
    UtcDatetime,
    Version,
)

DealStatus = Literal["open", "won", "lost"]
ForecastCategory = Literal["pipeline", "best_case", "commit", "closed", "omitted"]


class DealSnapshot(Snapshot):
    """The full current state of one deal (opportunity)."""

    id: str = Field(description="Deal id.")
    customer_id: str = Field(description="The customer the deal is with (the Kafka key).")
    name: str = Field(description="Deal name.")
    pipeline_id: str = Field(description="Pipeline the deal moves through.")
    stage: str = Field(description="Current stage id within the pipeline.")
    stage_probability: int = Field(ge=0, le=100, description="Win probability of the current stage, percent.")
    status: DealStatus = Field(description="`open`, or `won`/`lost` once closed.")
    amount: Money = Field(description='Deal value as a decimal string (e.g. `"12500.00"`).')
    currency: CurrencyCode = Field(description="ISO 4217 currency of `amount`.")
    expected_close_date: date | None = Field(default=None, description="Expected close date (ISO 8601 date).")
    owner_id: str | None = Field(default=None, description="User id of the deal owner.")
    team: str | None = Field(default=None, description="Sales team owning the deal.")
    forecast_category: ForecastCategory | None = Field(
        default=None,
        description="The owner's forecast category for this deal, overriding its stage's (`null`: the stage's).",
    )
    source: str | None = Field(default=None, description="Lead source of the lead the deal came from (`web_form` ...).")
    stage_entered_at: UtcDatetime = Field(description="When the deal entered its stage.")
    last_activity_at: UtcDatetime | None = Field(
        default=None, description="Last logged activity (call, meeting, e-mail)."
    )
    created_at: UtcDatetime = Field(description="When the deal was created.")
    updated_at: UtcDatetime = Field(description="When the deal last changed.")
    version: Version = Field(description="Aggregate version, +1 on every change (≥ 1).")


class _DealEvent(EventData):
    topic: ClassVar[str] = "deal"
    source_service: ClassVar[str] = "sales"

    snapshot: DealSnapshot = Field(description="The deal after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return self.snapshot.customer_id

    def aggregate_version(self) -> int:
        return self.snapshot.version


@register
class DealCreated(_DealEvent):
    """A deal was opened (by hand, or by a lead conversion)."""

    event_type: ClassVar[str] = "crm.deal.created"

    change_origin: str = Field(description=CHANGE_ORIGIN_DESCRIPTION)


@register
class DealUpdated(ChangeEvent, _DealEvent):
    """Attributes of an open deal changed (amount, close date, owner, ...).

    Stage moves, wins and losses have their own events and are not repeated here.
    """

    event_type: ClassVar[str] = "crm.deal.updated"


@register
class DealStageChanged(_DealEvent):
    """A deal moved to another stage of its pipeline (still open)."""

    event_type: ClassVar[str] = "crm.deal.stage_changed"

    from_stage: str = Field(description="Stage id before the move.")
    to_stage: str = Field(description="Stage id after the move (= snapshot.stage).")
    probability: int = Field(ge=0, le=100, description="Win probability of the new stage.")
    time_in_previous_stage_s: float = Field(ge=0, description="Seconds the deal spent in `from_stage`.")


@register
class DealWon(_DealEvent):
    """A deal was closed as won."""

    event_type: ClassVar[str] = "crm.deal.won"

    reason: str | None = Field(default=None, description="Why it was won, if recorded.")


@register
class DealLost(_DealEvent):
    """A deal was closed as lost."""

    event_type: ClassVar[str] = "crm.deal.lost"

    reason: str = Field(description="Why it was lost (`price`, `competitor`, ...).")


@register
class DealFollowUpDue(_DealEvent):
    """An open deal has had no activity for too long: someone should follow up.

    Informational: the deal did not change, so ``sequence`` repeats its version.
    """

    event_type: ClassVar[str] = "crm.deal.follow_up_due"

    idle_since: UtcDatetime = Field(description="Last activity (or creation) of the deal.")
    idle_days: int = Field(ge=0, description="Whole days without activity.")
