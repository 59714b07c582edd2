"""Sales' worker: customer replica, deal facts; its container's jobs (bootstrap.py)."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_shared.chassis import ContainerFactory, WorkerRuntime, create_service_worker, serve_worker
from crm_shared.kafka.faust_app import CrmApp, add_consumer_agent
from crm_shared.topics import Topics

from crm_sales.bootstrap import Container, bootstrap
from crm_sales.settings import SalesSettings


def create_worker(
    settings: SalesSettings, *, container_factory: ContainerFactory[Container] | None = None, **faust_overrides: Any
) -> CrmApp:
    topics = Topics(settings.topic_prefix)
    factory = container_factory or partial(bootstrap, settings, role="worker", provision=False)
    subscriptions = {
        topics.deal: Container.facts_consumer,
        topics.directory: Container.directory_consumer,  # deactivated users get no new leads
    }
    runtime: WorkerRuntime[Container] = WorkerRuntime(factory)
    app = create_service_worker(
        settings, container_factory=factory, subscriptions=subscriptions, runtime=runtime, **faust_overrides
    )
    # the customer replica: a whole fetch at once, so a rebuild writes in batches (settings)
    add_consumer_agent(
        app,
        topic=topics.customer,
        ready=runtime.ready,
        keys_in_parallel=settings.replica_keys_in_parallel,
        consumer=lambda: runtime.container.replica_consumer(),
    )
    return app


def main() -> None:
    serve_worker(create_worker, SalesSettings)


if __name__ == "__main__":
    main()
