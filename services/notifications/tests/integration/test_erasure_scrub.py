"""Issue 16 in notifications: after ``crm.customer.erased`` (or a tombstone) no collection
holds the customer's e-mail address or name, whatever the deliveries' state (delivered,
waiting in a digest, in flight), and a replay brings nothing back. Real store, real broker,
real SMTP server; every collection of the service's database is searched."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from crm_devtools.testkit import FakeClock, eventually, running_worker
from crm_notifications.adapters.channels.base import Sender, SendJob, SendResult
from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.domain import keys
from crm_notifications.domain.delivery import Delivery
from crm_notifications.domain.models import Preferences, Recipient, RuleSpec, UserSpec
from crm_notifications.entrypoints.worker import create_worker
from crm_notifications.service.outcomes import recipient_fields
from crm_notifications.testing import fresh_event, read_topic
from crm_shared.auth import Principal
from crm_shared.events import CloudEvent
from crm_shared.events.samples import REP
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

ADMIN = Principal(sub="admin-1", roles=frozenset({"admin"}))
EMAIL, NAME = "lena.fischer@nordwind.example", "Lena Fischer"
PERSONAL = (EMAIL, NAME, "Fischer")
NIGHT = datetime(2025, 3, 12, 22, 30, tzinfo=UTC)  # 23:30 in Berlin


async def leftovers(container: Container) -> list[str]:
    """Every document of every collection of the service that names the customer."""
    db = container.infra.db
    found = []
    for name in sorted(await db.list_collection_names()):
        async for doc in db[name].find({}):
            text = json.dumps(doc, default=str, ensure_ascii=False).lower()
            found += [f"{name}/{doc['_id']}: {p}" for p in PERSONAL if p.lower() in text]
    return found


def mailed(customer: str, **changes: Any) -> CloudEvent:
    return fresh_event(
        "crm.ticket.mailed",
        customerid=customer,
        data={"to": EMAIL, "body": f"Hi {NAME}, the second invoice is a duplicate."},
        **changes,
    )


def erased(customer: str) -> CloudEvent:
    return fresh_event("crm.customer.erased", customerid=customer, data={"customer_id": customer})


class Gate(Sender):
    """The real sender behind a gate the test opens: a send in flight while the erasure runs.
    Its first answer may be replaced (a sink that echoes the address in its error)."""

    def __init__(self, real: Sender, first: SendResult | None = None) -> None:
        self.real, self.first = real, first
        self.open = asyncio.Event()
        self.entered = asyncio.Event()
        self.calls = 0

    async def send(self, job: SendJob) -> SendResult:
        self.calls += 1
        self.entered.set()
        await self.open.wait()
        result = await self.real.send(job)
        if self.first is not None and self.calls == 1:
            return self.first
        return result


@pytest.fixture
async def worker(make_settings: Any, topics: Topics) -> AsyncIterator[Container]:
    container = await bootstrap(make_settings(), role="worker", provision=False)
    await container.start()
    yield container
    await container.close()


async def test_a_delivered_mail_and_its_event_keep_no_trace_of_an_erased_customer(worker: Container, smtp: Any) -> None:
    mailbox, _ = smtp
    customer = str(uuid.uuid4())
    event = mailed(customer)
    (delivery_id,) = await worker.dispatcher.handle(event)
    await eventually(lambda: mailbox.to(EMAIL))

    async def settled() -> Delivery | None:
        d = await worker.deliveries.get(delivery_id)
        return d if d is not None and d.status == "delivered" and d.outcome_published else None

    delivered = await eventually(settled)
    assert await leftovers(worker), "the test must see the address before the erasure"

    await worker.dispatcher.handle(erased(customer))
    assert await leftovers(worker) == []
    kept = await worker.deliveries.get(delivery_id)
    assert kept is not None
    assert (kept.status, kept.address, kept.erased_at is not None) == ("delivered", None, True)
    # the log says it as the outcome event did: the keyed hash, no address
    assert kept.recipient == recipient_fields(delivered, worker.outcomes._recipient_key)["recipient"]
    assert kept.recipient.startswith("address:")

    # idempotent, and a replay (the same mail, a new one, the erasure again, a tombstone) adds nothing
    await worker.dispatcher.handle(erased(customer))
    await worker.dispatcher.on_tombstone(customer)
    assert await worker.dispatcher.handle(event) == []
    assert await worker.dispatcher.handle(mailed(customer)) == []
    await worker.runner.idle()
    assert await leftovers(worker) == []
    assert len(mailbox.to(EMAIL)) == 1


async def test_an_erasure_during_the_send_leaves_nothing_and_the_delivery_is_not_retried(
    make_settings: Any, topics: Topics, smtp: Any
) -> None:
    mailbox, _ = smtp
    plain = await bootstrap(make_settings(), role="worker", provision=False)
    real = plain.executor.senders["email"]
    # the sink answers with the address in its error, and no status code: a retry is due
    gate = Gate(real, first=SendResult.transient(f"transport error: SMTPRecipientsRefused: {EMAIL} busy"))
    container = await bootstrap(make_settings(), role="worker", provision=False, senders={"email": gate})
    await container.start()
    try:
        customer = str(uuid.uuid4())
        (delivery_id,) = await container.dispatcher.handle(mailed(customer))
        await asyncio.wait_for(gate.entered.wait(), 10)
        await container.dispatcher.handle(erased(customer))  # while the attempt is in flight
        gate.open.set()
        await eventually(lambda: mailbox.to(EMAIL))  # it was on its way: nobody can take it back
        await container.runner.idle()

        async def cancelled() -> Delivery | None:
            d = await container.deliveries.get(delivery_id)
            return d if d is not None and d.status == "cancelled" else None

        done = await eventually(cancelled, timeout_s=10)
        assert [a.error for a in done.attempt_log] == ["transport error"]
        assert await leftovers(container) == []
        await container.poll_once()
        await container.runner.idle()
        assert gate.calls == 1, "a delivery the erasure cancelled is not retried"
    finally:
        await container.close()
        await plain.close()


async def test_an_erasure_between_the_check_and_the_claims_is_caught_after_them(worker: Container) -> None:
    """The erasure runs on another topic's consumer: it can land after the dispatcher asked
    the suppression list and before its writes (here forced into that gap)."""
    customer = str(uuid.uuid4())
    asked = worker.suppressions.contains

    async def contains_then_erase(customer_id: str) -> bool:
        answer = await asked(customer_id)
        if customer_id == customer:
            await worker.dispatcher.suppress(customer, reason="erased", event_id=None)
        return answer

    worker.suppressions.contains = contains_then_erase  # type: ignore[method-assign]
    assert await worker.dispatcher.handle(mailed(customer)) == []
    assert await leftovers(worker) == []
    (delivery,) = await worker.deliveries.search({"customerid": customer}, limit=5, skip=0)
    assert delivery.status == "cancelled"


@pytest.mark.parametrize("erased_first", [True, False], ids=["erased-first", "erased-second"])
async def test_a_digest_waiting_for_the_morning_loses_the_erased_customers_entry(
    make_settings: Any, topics: Topics, smtp: Any, erased_first: bool
) -> None:
    """First: the digest's ``customerid`` is the erased one's (a merge-style cancel would drop
    the other customer's entry too); second: it is found by its items and customers."""
    mailbox, _ = smtp
    clock = FakeClock(NIGHT)
    container = await bootstrap(make_settings(), role="worker", provision=False, clock=clock)
    await container.start()
    try:
        await container.users.put(
            ADMIN, REP, UserSpec(name="Marco", email="marco@example.com", roles=["sales"]), expected=None, create=True
        )
        await container.config.put_rule(
            ADMIN,
            "lost-to-owner",
            RuleSpec(
                name="lost deals, to the owner, hourly",
                event_type="crm.deal.lost",
                recipients=[Recipient(kind="owner")],
                channels=["email"],
                digest_window_s=600,
            ),
            expected=None,
            create=True,
        )
        quiet = {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"}
        prefs = Preferences.model_validate({"quiet_hours": quiet})
        await container.users.set_preferences(ADMIN, REP, prefs, expected=None)
        erased_one, other = str(uuid.uuid4()), str(uuid.uuid4())
        lost = {
            erased_one: fresh_event("crm.deal.lost", customerid=erased_one, snapshot={"name": f"{NAME} renewal"}),
            other: fresh_event("crm.deal.lost", customerid=other, snapshot={"name": "Acme"}),
        }
        for customer in [erased_one, other] if erased_first else [other, erased_one]:
            await container.dispatcher.handle(lost[customer])
            clock.advance(seconds=1)  # items are flushed in order of arrival
        clock.advance(seconds=600)
        (digest_id,) = await container.flusher.flush_once()  # waits for 07:00 (quiet hours)
        assert await leftovers(container)

        await container.dispatcher.handle(erased(erased_one))
        assert await leftovers(container) == []
        digest = await container.deliveries.get(digest_id)
        assert digest is not None
        assert (digest.status, len(digest.entries), len(digest.digest_item_ids)) == ("pending", 1, 1)
        assert digest.customerids == [other]

        clock.set(datetime(2025, 3, 13, 6, 0, 1, tzinfo=UTC))
        await container.poll_once()
        (mail,) = await eventually(lambda: mailbox.to("marco@example.com"))
        text = mail.get_body(("plain",)).get_content()
        assert "Acme" in text
        assert "Fischer" not in text
    finally:
        await container.close()


async def test_a_delivery_claimed_under_the_old_unkeyed_id_is_not_claimed_again(worker: Container, smtp: Any) -> None:
    """The upgrade: an event the previous version dispatched (its offset not committed)
    comes again; its delivery exists under the uuid5 id, so nothing is claimed or sent."""
    mailbox, _ = smtp
    event = mailed(str(uuid.uuid4()))
    assert event.time < datetime(2026, 1, 1, tzinfo=UTC)  # before the first keyed start
    old_id = keys.legacy_delivery_id(
        event_id=event.id, rule_id="ticket-requester-mail", recipient=EMAIL, channel="email"
    )
    now = worker.clock()
    await worker.deliveries.claim(
        Delivery(
            id=old_id,
            event_id=event.id,
            event_type=event.type,
            customerid=event.customerid,
            rule_id="ticket-requester-mail",
            recipient=EMAIL,
            channel="email",
            address=EMAIL,
            status="delivered",
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    assert await worker.dispatcher.handle(event) == []
    fresh = mailed(str(uuid.uuid4()), time=worker.clock())  # produced after the upgrade: claimed as usual
    (new_id,) = await worker.dispatcher.handle(fresh)
    assert new_id != keys.legacy_delivery_id(
        event_id=fresh.id, rule_id="ticket-requester-mail", recipient=EMAIL, channel="email"
    )
    await eventually(lambda: len(mailbox.to(EMAIL)) == 1)
    await worker.runner.idle()
    assert len(mailbox.to(EMAIL)) == 1


async def test_through_the_broker_an_erased_customer_leaves_nothing_and_a_replay_brings_nothing_back(
    make_settings: Any, topics: Topics, smtp: Any
) -> None:
    """The real worker (faust agents over the shared consumer runtime): a mail to the
    customer goes out; ``crm.customer.erased`` and its tombstone arrive on ``crm.customer``;
    then the mail's event and a new one are produced again. No collection and no outcome
    event names the customer, and one mail was sent."""
    mailbox, _ = smtp
    settings = make_settings()

    async def factory() -> Container:
        return await bootstrap(settings, role="worker", provision=False)

    app = create_worker(settings, container_factory=factory, web_enabled=False)
    publisher = EventPublisher(settings.kafka_bootstrap_servers)
    customer = str(uuid.uuid4())
    first = mailed(customer)
    async with running_worker(app):
        container = app.crm_runtime.container
        await publisher.start()
        try:
            await publisher.publish(topics.ticket, first)
            await eventually(lambda: mailbox.to(EMAIL), timeout_s=60)
            assert await eventually(lambda: leftovers(container), timeout_s=30)

            await publisher.publish(topics.customer, erased(customer))
            await publisher.send_raw(topics.customer, key=customer.encode(), value=None)

            async def scrubbed() -> bool:
                return not await leftovers(container) and await container.suppressions.contains(customer)

            await eventually(scrubbed, timeout_s=60)

            again = mailed(customer)
            await publisher.publish(topics.ticket, first)  # a replay of the topic
            await publisher.publish(topics.ticket, again)
            processed = container.infra.db["processed_events"]
            await eventually(lambda: processed.find_one({"_id": f"notifications:{again.id}"}), timeout_s=60)
            await container.runner.idle()
            assert await leftovers(container) == []
            assert len(mailbox.to(EMAIL)) == 1
            outcomes = await read_topic(settings.kafka_bootstrap_servers, topics.notification, count=1)
            assert len(outcomes) == 1
            assert all(p.lower().encode() not in (r.value or b"").lower() for r in outcomes for p in PERSONAL)
        finally:
            await publisher.stop()
