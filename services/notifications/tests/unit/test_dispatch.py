"""The dispatcher over in-memory fakes: claims once per target, digests instead of sending,
suppression of erased customers (their open deliveries cancelled, nothing new claimed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crm_notifications.adapters.memory import (
    InMemoryDeliveries,
    InMemoryDigests,
    InMemoryEvents,
    InMemorySuppressions,
    StaticConfig,
)
from crm_notifications.domain.keys import DeliveryKeys
from crm_notifications.domain.models import Endpoint, Preferences, Recipient, Rule, User
from crm_notifications.domain.routing import Directory
from crm_notifications.service.compose import Composer
from crm_notifications.service.config_cache import ConfigView
from crm_notifications.service.dispatch import Dispatcher
from crm_notifications.templates.engine import TemplateEngine
from crm_notifications.testing import fresh_event
from crm_shared.clock import FakeClock

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
CHAT = Endpoint(id="sales-chat", name="sales", kind="slack", url="https://hooks.slack.com/services/T/B/x")
MARCO = User(
    id="marco",
    name="Marco",
    email="marco@example.com",
    preferences=Preferences.model_validate({"digest": {"enabled": True}}),
)


class Fakes:
    def __init__(self, *rules: Rule) -> None:
        self.deliveries = InMemoryDeliveries()
        self.digests = InMemoryDigests()
        self.events = InMemoryEvents()
        self.suppressions = InMemorySuppressions()
        self.due: list[str] = []
        view = ConfigView(directory=Directory(rules=rules, users={"marco": MARCO}, endpoints={CHAT.id: CHAT}))
        self.dispatcher = Dispatcher(
            config=StaticConfig(view),
            deliveries=self.deliveries,
            digests=self.digests,
            suppressions=self.suppressions,
            events=self.events,
            composer=Composer(TemplateEngine()),
            clock=FakeClock(NOW),
            max_attempts=3,
            keys=DeliveryKeys(b"unit-test-delivery-id-key"),
            on_due=self.due.append,
        )


def rule(rule_id: str, *recipients: Recipient) -> Rule:
    return Rule(id=rule_id, name=rule_id, event_type="crm.deal.won", recipients=list(recipients))


@pytest.fixture
def fakes() -> Fakes:
    return Fakes(
        rule("to-chat", Recipient(kind="endpoint", value=CHAT.id)),
        rule("to-marco", Recipient(kind="user", value="marco")),
    )


async def test_one_claim_per_target_once_and_the_user_with_a_digest_gets_an_item(fakes: Fakes) -> None:
    event = fresh_event("crm.deal.won")
    [claimed] = await fakes.dispatcher.handle(event)
    assert fakes.due == [claimed]
    delivery = fakes.deliveries.items[claimed]
    assert (delivery.channel, delivery.endpoint_id, delivery.max_attempts) == ("slack", CHAT.id, 3)
    [item] = fakes.digests.items.values()
    assert (item["recipient"], item["channel"], item["event_id"]) == ("marco", "email", event.id)
    assert event.id in fakes.events.events  # stored before the claims
    assert await fakes.dispatcher.handle(event) == []  # a redelivery claims nothing
    assert len(fakes.digests.items) == 1


async def test_an_erased_customer_gets_nothing_more(fakes: Fakes) -> None:
    won = fresh_event("crm.deal.won")
    await fakes.dispatcher.handle(won)
    erased = fresh_event("crm.customer.erased", customerid=won.customerid, data={"customer_id": won.customerid})
    await fakes.dispatcher.handle(erased)
    assert await fakes.suppressions.contains(won.customerid)
    assert {d.status for d in fakes.deliveries.items.values()} == {"cancelled"}
    assert fakes.digests.items == {}
    assert fakes.events.events == {}
    assert await fakes.dispatcher.handle(fresh_event("crm.deal.won", customerid=won.customerid)) == []
