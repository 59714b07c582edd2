"""Choosing an agent within a group: round-robin, or the one with fewest open tickets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

Strategy = Literal["round_robin", "least_open"]


def round_robin(members: Sequence[str], slot: int) -> str:
    """The member for the ``slot``-th automatic assignment in the group (0-based)."""
    if not members:
        raise ValueError("the group has no members")
    return members[slot % len(members)]


def least_open(members: Sequence[str], open_counts: Mapping[str, int]) -> str:
    """The member with the fewest open tickets; ties go to the earlier member."""
    if not members:
        raise ValueError("the group has no members")
    return min(members, key=lambda m: (open_counts.get(m, 0), members.index(m)))
