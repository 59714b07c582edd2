"""Backoff with jitter, Retry-After parsing, token buckets, masking, idempotency keys."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import pytest
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
    ids = keys.DeliveryKeys(b"k1")
    a = ids.delivery_id(event_id="e", rule_id="r", recipient="u", channel="email")
    assert a == keys.DeliveryKeys(b"k1").delivery_id(event_id="e", rule_id="r", recipient="u", channel="email")
    assert a != ids.delivery_id(event_id="e", rule_id="r", recipient="u", channel="slack")
    assert uuid.UUID(a).version == 8  # still shaped as a UUID (Message-ID, webhook-id)
    assert keys.outcome_event_id(a, "delivered") != keys.outcome_event_id(a, "failed")


def test_a_delivery_id_cannot_be_recomputed_from_a_guessed_address_without_the_key() -> None:
    """Issue 16: the id is published; unkeyed (uuid5, as before) anyone could test a guess."""
    parts = dict(event_id="e", rule_id="ticket-requester-mail", recipient="lena@nordwind.example", channel="email")
    published = keys.DeliveryKeys(b"the real key").delivery_id(**parts)
    assert published != keys.legacy_delivery_id(**parts)
    assert published != keys.DeliveryKeys(b"a guessed key").delivery_id(**parts)
    assert keys.DeliveryKeys(b"k").digest_item_id(**parts) != keys.legacy_digest_item_id(**parts)
    with pytest.raises(ValueError):
        keys.DeliveryKeys(b"")
