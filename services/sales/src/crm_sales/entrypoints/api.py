"""Sales' HTTP API process: ``python -m crm_sales.entrypoints.api``."""

from __future__ import annotations

from functools import partial

from crm_shared.chassis import ContainerFactory, create_service_api, serve_api
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_sales.bootstrap import Container, bootstrap
from crm_sales.entrypoints.http import ROUTERS
from crm_sales.settings import SalesSettings


def create_api(
    settings: SalesSettings | None = None, *, container_factory: ContainerFactory[Container] | None = None
) -> FastAPI:
    settings = settings or load_settings(SalesSettings)
    factory = container_factory or partial(bootstrap, settings, role="api")
    return create_service_api(settings, title="CRM sales", routers=ROUTERS, container_factory=factory)


def main() -> None:
    serve_api(create_api, SalesSettings)


if __name__ == "__main__":
    main()
