"""Notifications' HTTP API process: ``python -m crm_notifications.entrypoints.api``.

Configuration (rules, endpoints, users and preferences, templates) and the delivery
log. The API never sends: the worker does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from crm_shared.http.app import ReadinessCheck, create_app
from crm_shared.logs import configure_logging
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_notifications.bootstrap import Container, bootstrap
from crm_notifications.entrypoints.routers import deliveries, endpoints, rules, templates, users
from crm_notifications.settings import NotificationsSettings


def create_api(settings: NotificationsSettings | None = None, *, container: Container | None = None) -> FastAPI:
    """The app; with ``container`` (tests) it uses that one and leaves closing it to the caller."""
    settings = settings or load_settings(NotificationsSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container is not None:
            app.state.container = container
            yield
            return
        owned = await bootstrap(settings)
        app.state.container = owned
        try:
            yield
        finally:
            await owned.close()

    def readiness(app: FastAPI) -> ReadinessCheck:
        return app.state.container.readiness  # type: ignore[no-any-return]

    app = create_app(settings=settings, title="CRM notifications", lifespan=lifespan, readiness=readiness)
    if container is not None:
        app.state.container = container
    for module in (rules, endpoints, users, templates, deliveries):
        app.include_router(module.router)
    return app


def main() -> None:
    settings = load_settings(NotificationsSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    uvicorn.run(create_api(settings), host=settings.http_host, port=settings.http_port, log_config=None,
                timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
