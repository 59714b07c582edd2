"""Directory's stream worker (``python -m crm_directory.entrypoints.worker``): a user's
deactivation becomes a token revocation (``crm_directory.service.revoker``)."""

from __future__ import annotations

from typing import Any

from crm_shared.chassis import ContainerFactory, create_service_worker, serve_worker
from crm_shared.kafka.faust_app import CrmApp
from crm_shared.topics import Topics

from crm_directory.bootstrap import Container, bootstrap
from crm_directory.settings import DirectorySettings


def create_worker(
    settings: DirectorySettings, *, container_factory: ContainerFactory[Container] | None = None, **faust_overrides: Any
) -> CrmApp:
    topics = Topics(settings.topic_prefix)
    subscriptions = {topics.directory: lambda c: c.directory_consumer()}
    factory = container_factory or (lambda: bootstrap(settings, role="worker", provision=False))
    return create_service_worker(settings, container_factory=factory, subscriptions=subscriptions, **faust_overrides)


def main() -> None:
    serve_worker(create_worker, DirectorySettings)


if __name__ == "__main__":
    main()
