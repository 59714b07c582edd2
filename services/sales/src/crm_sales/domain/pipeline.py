"""Pipelines and their stages; the default pipeline every deployment starts with."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

StageKind = Literal["open", "won", "lost"]
StageId = str


class Stage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: StageId = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Stable id, e.g. `qualification`.")
    name: str = Field(min_length=1, max_length=80)
    probability: int = Field(ge=0, le=100, description="Default win probability in this stage, percent.")
    kind: StageKind = "open"


class Pipeline(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    name: str = Field(min_length=1, max_length=80)
    stages: list[Stage] = Field(min_length=3)
    accepted_quote_stage: StageId | None = Field(
        default=None, description="An open stage a deal moves to when its quote is accepted (if it is earlier)."
    )

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        ids = [s.id for s in self.stages]
        if len(set(ids)) != len(ids):
            raise ValueError("stage ids must be unique")
        kinds = [s.kind for s in self.stages]
        if kinds.count("won") != 1 or kinds.count("lost") != 1:
            raise ValueError("a pipeline has exactly one won and one lost stage")
        if "open" not in kinds:
            raise ValueError("a pipeline needs at least one open stage")
        if self.won_stage.probability != 100 or self.lost_stage.probability != 0:
            raise ValueError("the won stage has probability 100 and the lost stage 0")
        if self.accepted_quote_stage is not None and self.open_index(self.accepted_quote_stage) < 0:
            raise ValueError("accepted_quote_stage must be an open stage of the pipeline")
        return self

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    @property
    def open_stages(self) -> list[Stage]:
        return [s for s in self.stages if s.kind == "open"]

    @property
    def first_open(self) -> Stage:
        return self.open_stages[0]

    @property
    def won_stage(self) -> Stage:
        return next(s for s in self.stages if s.kind == "won")

    @property
    def lost_stage(self) -> Stage:
        return next(s for s in self.stages if s.kind == "lost")

    def open_index(self, stage_id: str) -> int:
        """Position among the open stages; -1 for won/lost/unknown."""
        ids = [s.id for s in self.open_stages]
        return ids.index(stage_id) if stage_id in ids else -1


DEFAULT_PIPELINE_ID = "default"

DEFAULT_PIPELINE = Pipeline(
    id=DEFAULT_PIPELINE_ID,
    name="Sales pipeline",
    stages=[
        Stage(id="initial_contact", name="Initial contact", probability=10),
        Stage(id="qualification", name="Qualification", probability=25),
        Stage(id="proposal", name="Proposal/quote", probability=50),
        Stage(id="negotiation", name="Negotiation", probability=75),
        Stage(id="closed_won", name="Won", probability=100, kind="won"),
        Stage(id="closed_lost", name="Lost", probability=0, kind="lost"),
    ],
    accepted_quote_stage="negotiation",
)
