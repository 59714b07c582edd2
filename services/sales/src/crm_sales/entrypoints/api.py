"""Sales' HTTP API process: ``python -m crm_sales.entrypoints.api``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from crm_shared.http.app import ReadinessCheck, create_app
from crm_shared.logs import configure_logging
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_sales.bootstrap import Container, bootstrap
from crm_sales.entrypoints.http import activities, config, deals, insights, leads
from crm_sales.settings import SalesSettings


def create_api(settings: SalesSettings | None = None, *, container: Container | None = None) -> FastAPI:
    """The app; ``container`` lets tests wire fakes (it is started, not closed, here)."""
    settings = settings or load_settings(SalesSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container is not None:
            app.state.container = container
            await container.start()
            yield
            return
        own = await bootstrap(settings)
        app.state.container = own
        own.relay.start()
        try:
            yield
        finally:
            await own.close()

    def readiness(app: FastAPI) -> ReadinessCheck:
        return app.state.container.readiness  # type: ignore[no-any-return]

    app = create_app(settings=settings, title="CRM sales", lifespan=lifespan, readiness=readiness)
    for module in (deals, leads, activities, config, insights):
        app.include_router(module.router)
    return app


def main() -> None:
    settings = load_settings(SalesSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    uvicorn.run(create_api(settings), host=settings.http_host, port=settings.http_port, log_config=None,
                timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
