"""Contacts' HTTP API process: ``python -m crm_contacts.entrypoints.api``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from crm_shared.http.app import ReadinessCheck, create_app
from crm_shared.logs import configure_logging
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_contacts.bootstrap import bootstrap
from crm_contacts.settings import ContactsSettings


def create_api(settings: ContactsSettings | None = None) -> FastAPI:
    settings = settings or load_settings(ContactsSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await bootstrap(settings)
        app.state.container = container
        container.relay.start()
        try:
            yield
        finally:
            await container.close()

    def readiness(app: FastAPI) -> ReadinessCheck:
        return app.state.container.readiness  # type: ignore[no-any-return]

    app = create_app(settings=settings, title="CRM contacts", lifespan=lifespan, readiness=readiness)
    return app


def main() -> None:
    settings = load_settings(ContactsSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    uvicorn.run(create_api(settings), host=settings.http_host, port=settings.http_port, log_config=None,
                timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
