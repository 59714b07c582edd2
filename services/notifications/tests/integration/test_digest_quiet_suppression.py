"""Digests, quiet hours and suppression with an injected clock, the real store and a
real SMTP server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from crm_devtools.testkit import FakeClock, api_client, eventually
from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.domain.models import Recipient, RuleSpec, UserSpec
from crm_notifications.testing import app_on, fresh_event
from crm_shared.auth import Principal, mint_token
from crm_shared.events.samples import REP
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

ADMIN = Principal(sub="admin-1", roles=frozenset({"admin"}))
NIGHT = datetime(2025, 3, 12, 22, 30, tzinfo=UTC)  # 23:30 in Berlin


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NIGHT)


@pytest.fixture
async def timed(make_settings: Any, topics: Topics, clock: FakeClock) -> AsyncIterator[Container]:
    container = await bootstrap(make_settings(), role="worker", provision=False, clock=clock)
    await container.users.put(
        ADMIN, REP, UserSpec(name="Marco", email="marco@example.com", roles=["sales"]), expected=None, create=True
    )
    await container.start()
    yield container
    await container.close()


async def set_preferences(container: Container, body: dict[str, Any]) -> None:
    """Through the API, as the user themself (self-service)."""
    token = mint_token(container.settings, sub=REP, roles=["sales"])
    async with api_client(
        app_on(container), base_url="http://n", headers={"authorization": f"Bearer {token}"}
    ) as client:
        response = await client.put(f"/users/{REP}/preferences", json=body)
        assert response.status_code == 200, response.text
        assert (await client.put("/users/someone-else/preferences", json=body)).status_code == 403


async def test_a_digest_window_turns_n_events_into_one_email(timed: Container, clock: FakeClock, smtp: Any) -> None:
    mailbox, _ = smtp
    await set_preferences(timed, {"digest": {"enabled": True, "window_s": 600}})
    events = [fresh_event("crm.deal.stage_changed", data={"to_stage": f"stage_{i}"}) for i in range(5)]
    for event in events:
        assert await timed.dispatcher.handle(event) == []  # into the digest, not sent
    assert await timed.dispatcher.handle(events[0]) == []  # a redelivery adds nothing
    assert await timed.flusher.flush_once() == []  # the window is still open
    clock.advance(seconds=601)
    (digest_id,) = await timed.flusher.flush_once()
    (mail,) = await eventually(lambda: mailbox.to("marco@example.com"))
    assert mail["Subject"] == "5 CRM updates"
    text = mail.get_body(("plain",)).get_content()
    assert all(f"Deal moved to stage {i}" in text for i in range(5))
    assert "Deal moved to stage 4" in mail.get_body(("html",)).get_content()
    items, _ = await timed.log.search(ADMIN, recipient=REP)
    assert [(i["id"], i["kind"], len(i["digest_item_ids"])) for i in items] == [(digest_id, "digest", 5)]
    clock.advance(seconds=601)
    assert await timed.flusher.flush_once() == []
    assert len(mailbox.to("marco@example.com")) == 1


async def test_a_rule_digest_window_applies_without_a_user_preference(
    timed: Container, clock: FakeClock, smtp: Any
) -> None:
    mailbox, _ = smtp
    await timed.config.put_rule(
        ADMIN,
        "lost-digest",
        RuleSpec(
            name="lost deals, hourly",
            event_type="crm.deal.lost",
            recipients=[Recipient(kind="address", value="sales-ops@example.com")],
            digest_window_s=3600,
        ),
        expected=None,
        create=True,
    )
    for _ in range(3):
        await timed.dispatcher.handle(fresh_event("crm.deal.lost"))
    clock.advance(hours=1, seconds=1)
    await timed.flusher.flush_once()
    (mail,) = await eventually(lambda: mailbox.to("sales-ops@example.com"))
    assert mail["Subject"] == "3 CRM updates"


async def test_quiet_hours_defer_non_urgent_messages(timed: Container, clock: FakeClock, smtp: Any) -> None:
    mailbox, _ = smtp
    await set_preferences(timed, {"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"}})
    await timed.config.put_rule(
        ADMIN,
        "urgent-follow-up",
        RuleSpec(
            name="urgent",
            event_type="crm.deal.follow_up_due",
            recipients=[Recipient(kind="owner")],
            channels=["email"],
            priority="urgent",
        ),
        expected=None,
        create=True,
    )
    event = fresh_event("crm.deal.follow_up_due")
    assert len(await timed.dispatcher.handle(event)) == 2  # the default rule (normal) and the urgent one
    urgent = await eventually(lambda: mailbox.to("marco@example.com"))
    assert len(urgent) == 1, "the urgent message ignores quiet hours"

    async def one_waiting() -> list[dict[str, Any]]:
        items, _ = await timed.log.search(ADMIN, event_id=event.id, status="pending")
        return items if len(items) == 1 else []

    (waiting,) = await eventually(one_waiting)
    assert waiting["rule_id"] == "follow-up-due-to-owner-email"
    assert waiting["reason"] == "quiet hours"
    assert waiting["next_attempt_at"] == datetime(2025, 3, 13, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    await timed.poll_once()
    await timed.runner.idle()
    assert len(mailbox.to("marco@example.com")) == 1

    clock.set(datetime(2025, 3, 13, 6, 0, 1, tzinfo=UTC))
    await timed.poll_once()
    await eventually(lambda: len(mailbox.to("marco@example.com")) == 2)


async def test_nothing_for_merged_or_erased_customers(timed: Container) -> None:
    merged_away, erased = str(uuid.uuid4()), str(uuid.uuid4())
    survivor = str(uuid.uuid4())
    await timed.dispatcher.handle(
        fresh_event(
            "crm.customer.merged", customerid=survivor, data={"merged_ids": [merged_away], "survivor_id": survivor}
        )
    )
    # a message waiting for the morning about the customer that will be erased
    await set_preferences(timed, {"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"}})
    (pending,) = await timed.dispatcher.handle(fresh_event("crm.deal.follow_up_due", customerid=erased))
    await timed.dispatcher.handle(fresh_event("crm.customer.erased", customerid=erased, data={"customer_id": erased}))
    cancelled = await timed.deliveries.get(pending)
    assert cancelled is not None
    assert cancelled.status == "cancelled"
    assert await timed.events.get(cancelled.event_id) is None  # the erased customer's event is gone too

    assert await timed.dispatcher.handle(fresh_event("crm.deal.follow_up_due", customerid=merged_away)) == []
    assert await timed.dispatcher.handle(fresh_event("crm.deal.follow_up_due", customerid=erased)) == []
    await timed.dispatcher.on_tombstone("gone-1")
    assert await timed.dispatcher.handle(fresh_event("crm.deal.follow_up_due", customerid="gone-1")) == []
    assert {s["customer_id"] for s in await timed.suppressions.list()} == {merged_away, erased, "gone-1"}
    assert len(await timed.dispatcher.handle(fresh_event("crm.deal.follow_up_due", customerid=survivor))) == 1
