"""One way to make and serve a service's HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

from fastapi import APIRouter, FastAPI

from crm_shared.chassis.container import ContainerFactory, ServiceContainer
from crm_shared.http.access_log import install_access_log_filter
from crm_shared.http.app import ReadinessCheck, create_app
from crm_shared.logs import configure_logging
from crm_shared.settings import CrmSettings, load_settings
from crm_shared.telemetry import configure_telemetry

C = TypeVar("C", bound=ServiceContainer)
S = TypeVar("S", bound=CrmSettings)


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
    pass a factory of their own container, in memory or over the real store)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await container_factory()
        app.state.container = container
        try:
            await container.start()
            yield
        finally:
            await container.close()

    def readiness(app: FastAPI) -> ReadinessCheck:
        container: ServiceContainer = app.state.container
        return container.readiness

    app = create_app(settings=settings, title=title, lifespan=lifespan, readiness=readiness, version=version)
    for router in routers:
        app.include_router(router)
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
