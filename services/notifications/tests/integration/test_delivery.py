"""Delivery against real sinks, the real store and the real broker: idempotency, retries
with backoff, Retry-After, permanent failures, outcome events and dead letters."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import orjson
import pytest
from crm_devtools.testkit import eventually
from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.domain.models import EndpointSpec, Recipient, RuleSpec
from crm_notifications.testing import fresh_event, read_topic
from crm_shared.auth import Principal
from crm_shared.events import CloudEvent
from crm_shared.kafka.consumer import dead_letter_info
from crm_shared.topics import Topics
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

pytestmark = pytest.mark.integration

ADMIN = Principal(sub="admin-1", roles=frozenset({"admin"}))
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def hook_rule(
    container: Container, sink: HTTPServer, path: str = "/hook", *, kind: str = "webhook", rate: float | None = None
) -> None:
    await container.config.put_endpoint(
        ADMIN,
        "hook",
        EndpointSpec(
            name="hook",
            kind=kind,
            url=sink.url_for(path),
            secret=SECRET if kind == "webhook" else None,  # type: ignore[arg-type]
            rate_per_s=rate,
        ),
        expected=None,
        create=True,
    )
    await container.config.put_rule(
        ADMIN,
        "won-to-hook",
        RuleSpec(name="won", event_type="crm.deal.won", recipients=[Recipient(kind="endpoint", value="hook")]),
        expected=None,
        create=True,
    )


async def settled(container: Container, event: CloudEvent) -> list[dict[str, Any]]:
    items, _ = await container.log.search(ADMIN, event_id=event.id)
    return items if items and all(i["status"] in ("delivered", "failed") for i in items) else []


async def test_500_then_200_gives_exactly_one_successful_delivery(container: Container, sink: HTTPServer) -> None:
    sink.expect_oneshot_request("/hook", method="POST").respond_with_data("boom", status=500)
    sink.expect_request("/hook", method="POST").respond_with_data("ok")
    await hook_rule(container, sink)
    await container.start()
    event = fresh_event("crm.deal.won")

    assert len(await container.dispatcher.handle(event)) == 1
    (item,) = await eventually(lambda: settled(container, event))
    assert item["status"] == "delivered"
    assert item["attempts"] == 2
    assert [(a["number"], a["ok"], a["status_code"]) for a in item["attempt_log"]] == [(1, False, 500), (2, True, 200)]
    assert all(a["duration_ms"] >= 0 and a["started_at"] and a["finished_at"] for a in item["attempt_log"])
    assert item["attempt_log"][0]["error"].startswith("HTTP 500")

    # the same event again (a redelivery): nothing new is claimed or sent
    assert await container.dispatcher.handle(event) == []
    await container.poll_once()
    await container.runner.idle()
    assert [resp.status_code for _, resp in sink.log] == [500, 200]
    # same webhook-id on both attempts: a receiver can dedupe too
    assert len({req.headers["webhook-id"] for req, _ in sink.log}) == 1

    outcomes = await read_topic(container.settings.kafka_bootstrap_servers, container.topics.notification, count=1)
    (outcome,) = [CloudEvent.from_bytes(r.value) for r in outcomes]
    assert outcome.type == "crm.notification.delivered"
    assert outcome.customerid == event.customerid
    assert outcomes[0].key == event.customerid.encode()
    assert outcome.data["attempts"] == 2
    assert (outcome.data["recipient"], outcome.data["recipient_kind"]) == ("hook", "endpoint")
    assert outcome.causationid == event.id


async def test_429_retry_after_is_honoured(container: Container, sink: HTTPServer) -> None:
    seen: list[float] = []

    def handler(request: Request) -> Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "2"})
        return Response("ok", status=200)

    sink.expect_request("/hook", method="POST").respond_with_handler(handler)
    await hook_rule(container, sink, kind="slack")
    await container.start()
    event = fresh_event("crm.deal.won")
    await container.dispatcher.handle(event)
    (item,) = await eventually(lambda: settled(container, event), timeout_s=20)
    assert item["status"] == "delivered"
    assert len(seen) == 2
    assert seen[1] - seen[0] >= 2.0, "the retry came before Retry-After"
    assert [a["status_code"] for a in item["attempt_log"]] == [429, 200]


async def test_last_attempt_fails_publishes_failed_and_dead_letters(
    make_settings: Any, topics: Topics, sink: HTTPServer
) -> None:
    sink.expect_request("/hook", method="POST").respond_with_data("down", status=503)
    container = await bootstrap(
        make_settings(delivery_max_attempts=3, delivery_retry_window_s=0), role="worker", provision=False
    )
    try:
        await hook_rule(container, sink)
        await container.start()
        event = fresh_event("crm.deal.won")
        await container.dispatcher.handle(event)
        (item,) = await eventually(lambda: settled(container, event))
        assert (item["status"], item["attempts"], item["last_status_code"]) == ("failed", 3, 503)
        assert len(sink.log) == 3

        (outcome,) = await read_topic(container.settings.kafka_bootstrap_servers, topics.notification, count=1)
        failed = CloudEvent.from_bytes(outcome.value)
        assert failed.type == "crm.notification.failed"
        assert failed.data["error"].startswith("HTTP 503")
        (letter,) = await read_topic(
            container.settings.kafka_bootstrap_servers, topics.dead_letter("notifications"), count=1
        )
        scrubbed = orjson.loads(letter.value)  # the source event's envelope and ids, no personal data
        assert (scrubbed["scrubbed"], scrubbed["event"]["id"]) == (True, event.id)
        info = dead_letter_info(letter.headers)
        assert info["dlq.stage"] == "deliver"
        assert info["dlq.delivery_id"] == item["id"]
        assert info["dlq.attempts"] == "3"
        assert info["dlq.channel"] == "webhook"
        assert (info["dlq.recipient.kind"], info["dlq.recipient.endpoint_id"]) == ("endpoint", "hook")
        assert info["dlq.error.message"] == "HTTP 503"
        stored = await container.deliveries.get(item["id"])
        assert stored is not None
        assert stored.outcome_published
    finally:
        await container.close()


async def test_a_permanent_error_is_not_retried(container: Container, sink: HTTPServer) -> None:
    sink.expect_request("/hook", method="POST").respond_with_data("invalid_payload", status=400)
    await hook_rule(container, sink, kind="mattermost")
    await container.start()
    event = fresh_event("crm.deal.won")
    await container.dispatcher.handle(event)
    (item,) = await eventually(lambda: settled(container, event))
    assert (item["status"], item["attempts"]) == ("failed", 1)
    assert "invalid_payload" in item["last_error"]


async def test_signed_webhook_body(container: Container, sink: HTTPServer) -> None:
    sink.expect_request("/hook", method="POST").respond_with_data("ok")
    await hook_rule(container, sink)
    await container.start()
    event = fresh_event("crm.deal.won")
    await container.dispatcher.handle(event)
    await eventually(lambda: settled(container, event))
    request = sink.log[0][0]
    body = orjson.loads(request.get_data())
    assert body["type"] == "crm.deal.won"
    assert body["data"]["event"]["id"] == event.id
    assert request.headers["webhook-signature"].startswith("v1,")


async def test_rate_limit_spaces_messages_to_one_endpoint(container: Container, sink: HTTPServer) -> None:
    sink.expect_request("/hook", method="POST").respond_with_data("ok")
    await hook_rule(container, sink, kind="slack", rate=2.0)
    await container.start()
    events = [fresh_event("crm.deal.won") for _ in range(4)]
    for e in events:
        await container.dispatcher.handle(e)
    for e in events:
        await eventually(lambda e=e: settled(container, e))
    assert len(sink.log) == 4
    times = await container.log.search(ADMIN, channel="slack", limit=10)
    started = sorted(a["started_at"] for i in times[0] for a in i["attempt_log"])
    assert (started[-1] - started[0]).total_seconds() >= 1.0  # 4 messages at 2/s, burst 2


async def test_two_workers_never_make_the_same_attempt(
    container: Container, make_settings: Any, sink: HTTPServer
) -> None:
    """Two worker processes (two containers on one store) race for one delivery: the
    attempt lock lets exactly one of them send."""
    sink.expect_request("/hook", method="POST").respond_with_data("ok")
    await hook_rule(container, sink)
    other = await bootstrap(make_settings(), role="worker", provision=False)
    try:
        event = fresh_event("crm.deal.won")
        (delivery_id,) = await container.dispatcher.handle(event)
        await asyncio.gather(*(c.executor.run(delivery_id) for c in (container, other, container, other)))
        (item,) = await eventually(lambda: settled(container, event))
        assert item["status"] == "delivered"
        assert len(sink.log) == 1
        assert [a["number"] for a in item["attempt_log"]] == [1]
    finally:
        await other.close()


async def test_an_attempt_lost_with_its_worker_is_retried(container: Container, sink: HTTPServer) -> None:
    sink.expect_request("/hook", method="POST").respond_with_data("ok")
    await hook_rule(container, sink)
    event = fresh_event("crm.deal.won")
    (delivery_id,) = await container.dispatcher.handle(event)
    now = container.clock()
    # a worker took attempt 1 and died: its lock is there, its lease has passed
    assert await container.deliveries.lock_attempt(
        delivery_id, 1, now=now - timedelta(minutes=5), lease_until=now - timedelta(minutes=3)
    )
    delay = await container.executor.run(delivery_id)  # records the lost attempt, schedules attempt 2
    assert delay is not None
    await asyncio.sleep(delay)
    assert await container.executor.run(delivery_id) is None
    (item,) = await settled(container, event)
    assert item["status"] == "delivered"
    assert [(a["number"], a["ok"]) for a in item["attempt_log"]] == [(1, False), (2, True)]
    assert "lost" in item["attempt_log"][0]["error"]
    assert len(sink.log) == 1
