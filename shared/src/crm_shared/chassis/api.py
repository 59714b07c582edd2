"""One way to make and serve a service's HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

from fastapi import APIRouter, FastAPI

from crm_shared.chassis.container import ContainerFactory, ServiceContainer
from crm_shared.http import admin
from crm_shared.http.access_log import install_access_log_filter
from crm_shared.http.app import ReadinessCheck, create_app
from crm_shared.logs import configure_logging
from crm_shared.revocation import RevocationFeed
from crm_shared.settings import CrmSettings, load_settings
from crm_shared.telemetry import configure_telemetry

C = TypeVar("C", bound=ServiceContainer)
S = TypeVar("S", bound=CrmSettings)

REVOCATION_CATCH_UP_S = 5.0
"""How long a production API waits at start to have read the revocation topic."""


def create_service_api(
    settings: CrmSettings,
    *,
    title: str,
    routers: Sequence[APIRouter],
    container_factory: ContainerFactory[C],
    version: str = "0.1.0",
) -> FastAPI:
    """The service's app. The lifespan is the one rule: the container is made by
    ``container_factory``, started, and closed when the app stops, whatever it is (tests
    pass a factory of their own container, in memory or over the real store). Every API
    also tails the token revocations (:mod:`crm_shared.revocation`) and serves
    ``POST /admin/revocations``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await container_factory()
        app.state.container = container
        feed = app.state.revocation_feed = RevocationFeed(settings, app.state.revocations)
        try:
            await container.start()
            # Production serves only once the revocation list is read (bounded wait);
            # elsewhere the tail catches up in the background (unit tests have no broker).
            await feed.start(catch_up_s=REVOCATION_CATCH_UP_S if settings.env == "production" else 0.0)
            yield
        finally:
            await feed.close()
            await container.close()

    def readiness(app: FastAPI) -> ReadinessCheck:
        container: ServiceContainer = app.state.container
        return container.readiness

    app = create_app(settings=settings, title=title, lifespan=lifespan, readiness=readiness, version=version)
    for router in routers:
        app.include_router(router)
    app.include_router(admin.router)
    return app


def serve_api(create_api: Callable[[S], FastAPI], settings_type: type[S]) -> None:
    """The API process's ``main``: settings (exit naming a bad one), logs, uvicorn."""
    import uvicorn

    settings = load_settings(settings_type)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    configure_telemetry(settings)  # before the app and the store client: they check it
    install_access_log_filter()
    uvicorn.run(
        create_api(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=settings.access_log,
        timeout_graceful_shutdown=10,
    )
