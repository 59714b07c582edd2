"""The ticket status state machine.

new → open → pending → on_hold → solved → closed, with the working statuses
(new, open, pending, on_hold) free to move between each other (never back to
new), any of them to solved, solved back to open (a reopen) or on to closed, and
closed final.
"""

from __future__ import annotations

from typing import Literal

from crm_shared.errors import InvalidTransition
from crm_shared.events.ticket import TicketStatus

TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    "new": frozenset({"open", "pending", "on_hold", "solved"}),
    "open": frozenset({"pending", "on_hold", "solved"}),
    "pending": frozenset({"open", "on_hold", "solved"}),
    "on_hold": frozenset({"open", "pending", "solved"}),
    "solved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}

UNSOLVED: frozenset[TicketStatus] = frozenset({"new", "open", "pending", "on_hold"})
"""The backlog: tickets someone still has to work on."""

TransitionKind = Literal["resolved", "closed", "reopened", "status_changed"]


def allowed(current: TicketStatus) -> list[TicketStatus]:
    return sorted(TRANSITIONS[current])


def check_transition(current: TicketStatus, target: TicketStatus) -> TransitionKind:
    """What the move means (its event), or :class:`InvalidTransition` (409)."""
    if target not in TRANSITIONS[current]:
        hint = f"allowed: {', '.join(allowed(current))}" if TRANSITIONS[current] else "a closed ticket is final"
        raise InvalidTransition(
            f"a ticket cannot go from {current} to {target} ({hint})",
            from_status=current,
            to_status=target,
            allowed=allowed(current),
        )
    if target == "solved":
        return "resolved"
    if target == "closed":
        return "closed"
    if current == "solved":
        return "reopened"
    return "status_changed"
