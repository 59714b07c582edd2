"""Insights' stream worker (``python -m crm_insights.entrypoints.worker``): deal and ticket
events feed the read models, a customer's erasure or tombstone drops its documents.
Records of different keys are handled concurrently so that a partition's records are
applied in batches (adapters/partition_consumer.py; one batch at a time per partition)."""

from __future__ import annotations

from typing import Any

from crm_shared.chassis import ContainerFactory, create_service_worker, serve_worker
from crm_shared.kafka.faust_app import CrmApp
from crm_shared.topics import Topics

from crm_insights.bootstrap import Container, bootstrap
from crm_insights.settings import InsightsSettings


def create_worker(
    settings: InsightsSettings, *, container_factory: ContainerFactory[Container] | None = None, **faust_overrides: Any
) -> CrmApp:
    topics = Topics(settings.topic_prefix)
    subscriptions = {
        topics.deal: lambda c: c.consumer("deal"),
        topics.ticket: lambda c: c.consumer("ticket"),
        topics.customer: lambda c: c.consumer("customer"),
    }
    factory = container_factory or (lambda: bootstrap(settings, role="worker", provision=False))
    return create_service_worker(
        settings,
        container_factory=factory,
        subscriptions=subscriptions,
        keys_in_parallel=settings.batch_records,
        batch_max=settings.batch_records,
        **faust_overrides,
    )


def main() -> None:
    serve_worker(create_worker, InsightsSettings)


if __name__ == "__main__":
    main()
