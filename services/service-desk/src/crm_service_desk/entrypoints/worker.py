"""Service-desk worker: ``crm.customer`` (replica, merges, erasures), ``crm.deal`` (replica),
``crm.ticket`` (metrics); the SLA scan and the outbox relay are its container's jobs."""

from __future__ import annotations

from typing import Any

from crm_shared.chassis import ContainerFactory, create_service_worker, serve_worker
from crm_shared.kafka.faust_app import CrmApp
from crm_shared.topics import Topics

from crm_service_desk.bootstrap import Container, bootstrap
from crm_service_desk.settings import ServiceDeskSettings

Factory = ContainerFactory[Container]


def create_worker(settings: ServiceDeskSettings, *, container_factory: Factory | None = None, **faust: Any) -> CrmApp:
    t, c = Topics(settings.topic_prefix), Container
    subscriptions = {
        t.customer: c.customer_consumer,
        t.deal: c.deal_consumer,
        t.ticket: c.ticket_consumer,
        t.directory: c.directory_consumer,  # a deactivated agent gets no new tickets
    }
    factory = container_factory or (lambda: bootstrap(settings, role="worker", provision=False))
    return create_service_worker(settings, container_factory=factory, subscriptions=subscriptions, **faust)


def main() -> None:
    serve_worker(create_worker, ServiceDeskSettings)


if __name__ == "__main__":
    main()
