"""Notifications' HTTP API process: ``python -m crm_notifications.entrypoints.api``.
Configuration (rules, endpoints, users, templates) and the delivery log; it never sends."""

from __future__ import annotations

from crm_shared.chassis import ContainerFactory, create_service_api, serve_api
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.entrypoints.http import chat, deliveries, endpoints, rules, templates, users
from crm_notifications.settings import NotificationsSettings

ROUTERS = [m.router for m in (rules, endpoints, users, templates, deliveries, chat)]


def create_api(
    settings: NotificationsSettings | None = None, *, container_factory: ContainerFactory[Container] | None = None
) -> FastAPI:
    settings = settings or load_settings(NotificationsSettings)
    factory = container_factory or (lambda: bootstrap(settings, role="api"))
    return create_service_api(settings, title="CRM notifications", routers=ROUTERS, container_factory=factory)


def main() -> None:
    serve_api(create_api, NotificationsSettings)


if __name__ == "__main__":
    main()
