"""Notifications' stream worker (``python -m crm_notifications.entrypoints.worker``). One record
at a time (``keys_in_parallel=1``): digests share documents across customers (see the README)."""

from __future__ import annotations

from typing import Any

from crm_shared.chassis import create_service_worker, serve_worker
from crm_shared.kafka.faust_app import CrmApp

from crm_notifications.bootstrap import Factory, bootstrap, subscriptions
from crm_notifications.settings import NotificationsSettings


def create_worker(
    settings: NotificationsSettings, *, container_factory: Factory | None = None, **faust_overrides: Any
) -> CrmApp:
    factory = container_factory or (lambda: bootstrap(settings, role="worker", provision=False))
    subs = subscriptions(settings)
    return create_service_worker(
        settings, container_factory=factory, subscriptions=subs, keys_in_parallel=1, **faust_overrides
    )


def main() -> None:
    serve_worker(create_worker, NotificationsSettings)


if __name__ == "__main__":
    main()
