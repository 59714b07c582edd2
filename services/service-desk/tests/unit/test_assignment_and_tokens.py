"""Assignment strategies and survey-link tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from crm_service_desk.adapters.csat_tokens import CsatTokens
from crm_service_desk.domain.assignment import least_open, round_robin
from crm_service_desk.domain.errors import InvalidToken, TokenExpired
from crm_shared.clock import FakeClock

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_round_robin_cycles() -> None:
    assert [round_robin(["a", "b", "c"], n) for n in range(5)] == ["a", "b", "c", "a", "b"]
    with pytest.raises(ValueError, match="no members"):
        round_robin([], 0)


def test_least_open_prefers_the_least_loaded_then_the_earlier_member() -> None:
    assert least_open(["a", "b", "c"], {"a": 3, "b": 1, "c": 1}) == "b"
    assert least_open(["a", "b"], {}) == "a"


def test_tokens_round_trip_expire_and_resist_tampering() -> None:
    clock = FakeClock(T0)
    tokens = CsatTokens("s" * 40, ttl_s=3600, clock=clock)
    token, expires = tokens.issue("t1", solved_at=T0)
    assert expires == T0 + timedelta(hours=1)
    assert tokens.issue("t1", solved_at=T0)[0] == token  # stable link
    assert tokens.read(token).ticket_id == "t1"
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(InvalidToken):
        tokens.read(tampered)
    forged = CsatTokens("x" * 40, ttl_s=10**9, clock=clock).issue("t1", solved_at=T0)[0]
    with pytest.raises(InvalidToken):
        tokens.read(forged)
    clock.set(T0 + timedelta(hours=1))
    with pytest.raises(TokenExpired):
        tokens.read(token)
