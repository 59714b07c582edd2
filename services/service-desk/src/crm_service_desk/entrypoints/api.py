"""Service-desk HTTP API process: ``python -m crm_service_desk.entrypoints.api``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from crm_shared.http.app import ReadinessCheck, create_app
from crm_shared.logs import configure_logging
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_service_desk.bootstrap import Container, bootstrap
from crm_service_desk.entrypoints.http import config, csat, reports, tickets
from crm_service_desk.settings import ServiceDeskSettings


def create_api(settings: ServiceDeskSettings | None = None, *, container: Container | None = None) -> FastAPI:
    """The app; tests may hand in a ready ``container`` (then they own and close it)."""
    settings = settings or load_settings(ServiceDeskSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container is not None:
            app.state.container = container
            yield
            return
        owned = await bootstrap(settings)
        app.state.container = owned
        owned.relay.start()
        try:
            yield
        finally:
            await owned.close()

    def readiness(app: FastAPI) -> ReadinessCheck:
        return app.state.container.readiness  # type: ignore[no-any-return]

    app = create_app(settings=settings, title="CRM service-desk", lifespan=lifespan, readiness=readiness)
    if container is not None:
        app.state.container = container
    for module in (tickets, config, csat, reports):
        app.include_router(module.router)
    return app


def main() -> None:
    settings = load_settings(ServiceDeskSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    uvicorn.run(create_api(settings), host=settings.http_host, port=settings.http_port, log_config=None,
                timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
