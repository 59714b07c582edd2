"""Service-desk HTTP API process: ``python -m crm_service_desk.entrypoints.api``."""

from __future__ import annotations

from functools import partial

from crm_shared.chassis import ContainerFactory, create_service_api, serve_api
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_service_desk.bootstrap import Container, bootstrap
from crm_service_desk.entrypoints.http import attachments, config, csat, knowledge, macros, mail, reports, tickets
from crm_service_desk.settings import ServiceDeskSettings


def create_api(
    settings: ServiceDeskSettings | None = None, *, container_factory: ContainerFactory[Container] | None = None
) -> FastAPI:
    settings = settings or load_settings(ServiceDeskSettings)
    factory = container_factory or partial(bootstrap, settings, role="api")
    routers = [m.router for m in (tickets, attachments, config, csat, reports, mail, macros, knowledge)]
    return create_service_api(settings, title="CRM service-desk", routers=routers, container_factory=factory)


def main() -> None:
    serve_api(create_api, ServiceDeskSettings)


if __name__ == "__main__":
    main()
