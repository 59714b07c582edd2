"""Contacts' stream worker process: ``python -m crm_contacts.entrypoints.worker``.

Three agents (``crm.deal``, ``crm.ticket``, ``crm.customer``) feed the 360 view and
the timeline, and move a customer to ``customer`` when a deal is won. Handlers are
idempotent by construction (snapshots applied by ``sequence`` per deal/ticket, the
timeline keyed by event id, lifecycle only on a newly applied win), so faust's
at-least-once delivery is harmless; poison messages go to ``crm.dlq.contacts``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from crm_shared.events import registered_events
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import EventConsumer
from crm_shared.kafka.faust_app import add_consumer_agent, make_faust_app, run_worker
from crm_shared.logs import configure_logging
from crm_shared.settings import load_settings
from crm_shared.topics import Topics

from crm_contacts.bootstrap import Container, bootstrap
from crm_contacts.service.projection import ProjectionService
from crm_contacts.settings import ContactsSettings

Handler = Callable[[CloudEvent], Awaitable[None]]


def handlers_for(topic_key: str, projection: ProjectionService) -> dict[str, Handler]:
    """Every event type of the topic, to the projection's handler for that topic."""
    handler: Handler = {
        "deal": projection.on_deal_event,
        "ticket": projection.on_ticket_event,
        "customer": projection.on_customer_event,
    }[topic_key]
    return {t: handler for t, cls in registered_events().items() if cls.topic == topic_key}


def create_worker(settings: ContactsSettings, **faust_overrides: Any) -> faust.App:
    app = make_faust_app(settings, **faust_overrides)
    topics = Topics(settings.topic_prefix)
    state: dict[str, Container] = {}
    lock = asyncio.Lock()

    async def ready() -> None:
        async with lock:
            if "container" not in state:
                state["container"] = await bootstrap(settings, provision=False)

    def consumer_for(topic_key: str) -> Callable[[], EventConsumer]:
        def make() -> EventConsumer:
            c = state["container"]
            assert c.infra is not None
            return EventConsumer(consumer=f"contacts.{topic_key}",
                                 handlers=handlers_for(topic_key, c.services.projection),
                                 dead_letters=c.infra.publisher, dead_letter_topic=topics.dead_letter("contacts"))
        return make

    for key in ("deal", "ticket", "customer"):
        add_consumer_agent(app, topic=topics.name(key), consumer=consumer_for(key), ready=ready,
                           name=f"contacts.{key}", keys_in_parallel=settings.consumer_keys_in_parallel)

    async def close() -> None:
        container = state.pop("container", None)
        if container is not None:
            await container.close()

    app.close_after_agents(close)

    return app


def main() -> None:
    settings = load_settings(ContactsSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    from crm_shared.provision import ensure_topics

    ensure_topics(settings.kafka_bootstrap_servers, Topics(settings.topic_prefix))
    run_worker(create_worker(settings), settings)


if __name__ == "__main__":
    main()
