"""Recipients from the directory, on the real broker and store: the worker turns
``crm.directory`` user events into notifications' users (a team rule then reaches the
team's members), a deactivated user is removed (the rule no longer reaches them), and a
replayed older snapshot changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from crm_devtools.testkit import eventually, running_worker
from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.domain.models import Recipient, Rule
from crm_notifications.domain.routing import targets
from crm_notifications.entrypoints.worker import create_worker
from crm_notifications.testing import fresh_event
from crm_shared.events import CloudEvent
from crm_shared.events.directory import MembershipChanged, UserCreated, UserDeactivated
from crm_shared.events.directory_samples import directory_events
from crm_shared.events.envelope import Actor
from crm_shared.events.sample_story import with_changes
from crm_shared.kafka.producer import EventPublisher
from crm_shared.topics import Topics

pytestmark = pytest.mark.integration

ADMIN = Actor(id="root", department=None, kind="user")


def user_events() -> list[CloudEvent]:
    created = next(e for e in directory_events() if isinstance(e, UserCreated))
    nia = with_changes(created.snapshot, id="nia", name="Nia North", email="nia@crm.example", teams=[])
    joined = with_changes(nia, teams=["north"], version=2)
    gone = with_changes(joined, active=False, version=3)
    return [
        CloudEvent.wrap(UserCreated(snapshot=nia), actor=ADMIN),
        CloudEvent.wrap(MembershipChanged(snapshot=joined, team_id="north", change="joined"), actor=ADMIN),
        CloudEvent.wrap(UserDeactivated(snapshot=gone), actor=ADMIN),
    ]


async def team_targets(c: Container) -> list[str]:
    c.cache.invalidate()
    view = await c.cache.get()
    rule = Rule(
        id="r1",
        name="to the team",
        event_type="crm.ticket.*",
        channels=["email"],
        recipients=[Recipient(kind="team", value="north")],
    )
    return [t.recipient for t in targets(rule, fresh_event("crm.ticket.opened"), view.directory)]


async def test_directory_users_become_recipients_and_a_deactivated_one_gets_nothing(
    make_settings: Any, topics: Topics
) -> None:
    settings = make_settings()

    async def factory() -> Container:
        return await bootstrap(settings, role="worker", provision=False)

    created, joined, gone = user_events()
    publisher = EventPublisher(settings.kafka_bootstrap_servers)
    app = create_worker(settings, container_factory=factory, web_enabled=False)
    async with running_worker(app):
        container = app.crm_runtime.container
        await publisher.start()
        try:
            await publisher.publish_many([(topics.directory, created), (topics.directory, joined)])

            async def reached() -> bool:
                return await team_targets(container) == ["nia"]

            await eventually(reached, timeout_s=60)
            user = await container.store.get("users", "nia")
            assert user is not None
            assert (user["email"], user["teams"]) == ("nia@crm.example", ["north"])

            await publisher.publish_many([(topics.directory, gone), (topics.directory, created)])  # + a stale replay

            async def removed() -> bool:
                return await container.store.get("users", "nia") is None

            await eventually(removed, timeout_s=60)
            assert await team_targets(container) == []
        finally:
            await publisher.stop()
