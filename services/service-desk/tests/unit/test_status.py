"""The ticket state machine."""

from __future__ import annotations

import pytest
from crm_service_desk.domain.status import TRANSITIONS, check_transition
from crm_shared.errors import InvalidTransition

STATUSES = ["new", "open", "pending", "on_hold", "solved", "closed"]
VALID = {
    ("new", "open"),
    ("new", "pending"),
    ("new", "on_hold"),
    ("new", "solved"),
    ("open", "pending"),
    ("open", "on_hold"),
    ("open", "solved"),
    ("pending", "open"),
    ("pending", "on_hold"),
    ("pending", "solved"),
    ("on_hold", "open"),
    ("on_hold", "pending"),
    ("on_hold", "solved"),
    ("solved", "open"),
    ("solved", "closed"),
}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_every_pair(current: str, target: str) -> None:
    if (current, target) in VALID:
        check_transition(current, target)  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidTransition) as err:
            check_transition(current, target)  # type: ignore[arg-type]
        assert err.value.status == 409
        assert err.value.code == "invalid_transition"
        assert err.value.extra["allowed"] == sorted(TRANSITIONS[current])  # type: ignore[index]


def test_event_kinds() -> None:
    assert check_transition("open", "solved") == "resolved"
    assert check_transition("solved", "closed") == "closed"
    assert check_transition("solved", "open") == "reopened"
    assert check_transition("open", "pending") == "status_changed"


def test_closed_is_final_with_a_clear_message() -> None:
    with pytest.raises(InvalidTransition, match="a closed ticket is final"):
        check_transition("closed", "open")
