"""Contacts' stream worker (``python -m crm_contacts.entrypoints.worker``): deal, ticket, quote
and customer events feed the 360 view and timeline; a won deal makes its customer a ``customer``."""

from __future__ import annotations

from typing import Any

from crm_shared.chassis import ContainerFactory, create_service_worker, serve_worker
from crm_shared.kafka.faust_app import CrmApp
from crm_shared.topics import Topics

from crm_contacts.bootstrap import Container, bootstrap
from crm_contacts.settings import ContactsSettings


def create_worker(
    settings: ContactsSettings, *, container_factory: ContainerFactory[Container] | None = None, **faust_overrides: Any
) -> CrmApp:
    topics = Topics(settings.topic_prefix)
    subscriptions = {topics.name(k): (lambda c, k=k: c.consumer(k)) for k in ("deal", "ticket", "customer", "quote")}
    factory = container_factory or (lambda: bootstrap(settings, role="worker", provision=False))
    return create_service_worker(settings, container_factory=factory, subscriptions=subscriptions, **faust_overrides)


def main() -> None:
    serve_worker(create_worker, ContactsSettings)


if __name__ == "__main__":
    main()
