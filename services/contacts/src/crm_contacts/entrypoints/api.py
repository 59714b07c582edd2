"""Contacts' HTTP API process: ``python -m crm_contacts.entrypoints.api``.

The lifespan builds the container, then starts the outbox relay (publishes what a
crash left unpublished), the saga sweeper (finishes merges and erasures) and the
live tail (SSE). ``/healthz`` answers only once all of that runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from crm_shared.http.app import ReadinessCheck, create_app
from crm_shared.logs import configure_logging
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_contacts.bootstrap import Container, bootstrap
from crm_contacts.entrypoints.http import custom_fields, customers, gdpr, live, merges, views
from crm_contacts.settings import ContactsSettings


def create_api(settings: ContactsSettings | None = None, *, container: Container | None = None) -> FastAPI:
    """The app; ``container`` (tests) replaces the one the lifespan would bootstrap."""
    settings = settings or load_settings(ContactsSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        c = container or await bootstrap(settings, live=True)
        app.state.container = c
        try:
            await c.start_background()
        except BaseException:
            await c.close()
            raise
        try:
            yield
        finally:
            await c.close()

    def readiness(app: FastAPI) -> ReadinessCheck:
        return app.state.container.readiness  # type: ignore[no-any-return]

    app = create_app(settings=settings, title="CRM contacts", lifespan=lifespan, readiness=readiness)
    for module in (customers, merges, gdpr, views, custom_fields, live):
        app.include_router(module.router)
    return app


def main() -> None:
    settings = load_settings(ContactsSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    uvicorn.run(create_api(settings), host=settings.http_host, port=settings.http_port, log_config=None,
                timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
