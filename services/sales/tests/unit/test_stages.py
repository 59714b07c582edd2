"""The deal stage state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from crm_sales.domain.pipeline import DEFAULT_PIPELINE, Pipeline, Stage
from crm_sales.domain.stages import plan_move
from crm_shared.errors import InvalidTransition, ValidationFailed

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def move(
    to: str, *, status: str = "open", current: str = "qualification", reason: str | None = None, hours: float = 2.0
):
    return plan_move(
        status=status,
        current_stage=current,
        stage_entered_at=T0,
        pipeline=DEFAULT_PIPELINE,  # type: ignore[arg-type]
        to_stage=to,
        reason=reason,
        now=T0 + timedelta(hours=hours),
    )


def test_default_pipeline_has_the_agreed_stages_and_probabilities() -> None:
    assert [(s.id, s.probability, s.kind) for s in DEFAULT_PIPELINE.stages] == [
        ("initial_contact", 10, "open"),
        ("qualification", 25, "open"),
        ("proposal", 50, "open"),
        ("negotiation", 75, "open"),
        ("closed_won", 100, "won"),
        ("closed_lost", 0, "lost"),
    ]
    assert DEFAULT_PIPELINE.stage("proposal").name == "Proposal/quote"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("to", "kind", "status", "probability"),
    [
        ("proposal", "stage_changed", "open", 50),
        ("initial_contact", "stage_changed", "open", 10),  # backwards is allowed
        ("closed_won", "won", "won", 100),
    ],
)
def test_allowed_moves(to: str, kind: str, status: str, probability: int) -> None:
    m = move(to)
    assert (m.kind, m.status, m.probability, m.from_stage, m.to_stage) == (
        kind,
        status,
        probability,
        "qualification",
        to,
    )
    assert m.time_in_previous_stage_s == 7200.0


def test_lost_needs_a_reason_and_keeps_it() -> None:
    with pytest.raises(ValidationFailed) as err:
        move("closed_lost", reason="  ")
    assert err.value.errors[0]["loc"] == ["reason"]
    m = move("closed_lost", reason=" price ")
    assert (m.kind, m.status, m.probability, m.reason) == ("lost", "lost", 0, "price")


@pytest.mark.parametrize("status", ["won", "lost"])
def test_a_closed_deal_is_terminal(status: str) -> None:
    with pytest.raises(InvalidTransition):
        move("proposal", status=status, current="closed_won" if status == "won" else "closed_lost")


def test_same_stage_and_unknown_stage_are_refused() -> None:
    with pytest.raises(InvalidTransition):
        move("qualification")
    with pytest.raises(ValidationFailed) as err:
        move("signed")
    assert err.value.errors[0]["loc"] == ["stage"]


def test_time_in_stage_is_never_negative() -> None:
    assert move("proposal", hours=-1).time_in_previous_stage_s == 0.0


@pytest.mark.parametrize(
    "stages",
    [
        [("a", 10, "open"), ("w", 100, "won")],  # no lost
        [("a", 10, "open"), ("w", 100, "won"), ("l", 0, "lost"), ("w", 100, "won")],  # duplicate id
        [("w", 100, "won"), ("l", 0, "lost"), ("x", 0, "lost")],  # no open stage
        [("a", 10, "open"), ("w", 90, "won"), ("l", 0, "lost")],  # won is not 100%
    ],
)
def test_malformed_pipelines_are_refused(stages: list[tuple[str, int, str]]) -> None:
    with pytest.raises(ValueError):
        Pipeline(id="p", name="P", stages=[Stage(id=i, name=i, probability=pr, kind=k) for i, pr, k in stages])  # type: ignore[arg-type]
