"""Marketing's worker (``python -m crm_marketing.entrypoints.worker``): live segments from customer,
deal and ticket events, lead scoring; its jobs refresh the segments and send due campaigns."""

from __future__ import annotations

from typing import Any

from crm_shared.chassis import ContainerFactory, create_service_worker, serve_worker
from crm_shared.kafka.faust_app import CrmApp
from crm_shared.topics import Topics

from crm_marketing.bootstrap import Container, bootstrap
from crm_marketing.settings import MarketingSettings


def create_worker(
    settings: MarketingSettings, *, container_factory: ContainerFactory[Container] | None = None, **faust_overrides: Any
) -> CrmApp:
    t = Topics(settings.topic_prefix)
    subscriptions = {t.customer: lambda c: c.customer_consumer(), t.deal: lambda c: c.deal_consumer(),
                     t.ticket: lambda c: c.ticket_consumer(), t.lead: lambda c: c.lead_consumer()}  # fmt: skip
    factory = container_factory or (lambda: bootstrap(settings, role="worker", provision=False))
    return create_service_worker(settings, container_factory=factory, subscriptions=subscriptions, **faust_overrides)


def main() -> None:
    serve_worker(create_worker, MarketingSettings)


if __name__ == "__main__":
    main()
