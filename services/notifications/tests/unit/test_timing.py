"""Backoff with jitter, Retry-After parsing, token buckets, masking, idempotency keys."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from crm_notifications.adapters.ratelimit import RateLimiters, TokenBucket
from crm_notifications.domain import keys
from crm_notifications.domain.backoff import backoff_s, parse_retry_after, retry_delay_s
from crm_notifications.domain.masking import mask_secret, mask_url


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 30.0)]:
        for _ in range(50):
            delay = backoff_s(attempt, base_s=1.0, max_s=30.0, rng=rng)
            assert ceiling / 2 <= delay <= ceiling


def test_retry_after_wins_and_is_capped() -> None:
    now = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 12 Mar 2025 09:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    delay = retry_delay_s(1, retry_after_s=5.0, base_s=0.1, max_s=1.0, retry_after_max_s=60.0)
    assert 5.0 <= delay <= 5.5
    assert retry_delay_s(1, retry_after_s=9999.0, base_s=0.1, max_s=1.0, retry_after_max_s=60.0) <= 66.0


def test_token_bucket_one_per_second_and_pause() -> None:
    now = [100.0]
    bucket = TokenBucket(rate_per_s=1.0, burst=1.0, clock=lambda: now[0])
    assert bucket.try_acquire() == 0.0
    assert bucket.try_acquire() == 1.0
    now[0] += 0.5
    assert bucket.try_acquire() == 0.5
    now[0] += 0.5
    assert bucket.try_acquire() == 0.0
    bucket.pause(10.0)
    now[0] += 3.0
    assert bucket.try_acquire() == 7.0
    limiters = RateLimiters(clock=lambda: now[0])
    assert limiters.bucket("a", 1.0) is limiters.bucket("a", 1.0)
    assert limiters.bucket("a", 2.0).rate_per_s == 2.0


def test_masking_never_shows_the_secret_part() -> None:
    assert mask_url("https://hooks.slack.com/services/T000/B000/XXXXSECRET") == "https://hooks.slack.com/****"
    assert mask_url("http://127.0.0.1:8080/hook?token=abc") == "http://127.0.0.1:8080/****"
    assert mask_url("https://user:pw@[::1]:9/x") == "https://[::1]:9/****"
    assert mask_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == "whsec_****LaSw"
    assert mask_secret("short") == "****"


def test_delivery_ids_are_deterministic_per_event_rule_recipient_channel() -> None:
    a = keys.delivery_id(event_id="e", rule_id="r", recipient="u", channel="email")
    assert a == keys.delivery_id(event_id="e", rule_id="r", recipient="u", channel="email")
    assert a != keys.delivery_id(event_id="e", rule_id="r", recipient="u", channel="slack")
    assert keys.outcome_event_id(a, "delivered") != keys.outcome_event_id(a, "failed")
