"""Sales' worker: customer replica, deal facts; its container's jobs (bootstrap.py)."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_shared.chassis import ContainerFactory, create_service_worker, serve_worker
from crm_shared.kafka.faust_app import CrmApp
from crm_shared.topics import Topics

from crm_sales.bootstrap import Container, bootstrap
from crm_sales.settings import SalesSettings


def create_worker(
    settings: SalesSettings, *, container_factory: ContainerFactory[Container] | None = None, **faust_overrides: Any
) -> CrmApp:
    topics = Topics(settings.topic_prefix)
    factory = container_factory or partial(bootstrap, settings, role="worker", provision=False)
    subscriptions = {
        topics.customer: Container.replica_consumer,
        topics.deal: Container.facts_consumer,
        topics.directory: Container.directory_consumer,  # deactivated users get no new leads
    }
    return create_service_worker(settings, container_factory=factory, subscriptions=subscriptions, **faust_overrides)


def main() -> None:
    serve_worker(create_worker, SalesSettings)


if __name__ == "__main__":
    main()
