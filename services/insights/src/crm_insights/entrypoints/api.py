"""Insights' HTTP API process: ``python -m crm_insights.entrypoints.api``."""

from __future__ import annotations

from crm_shared.chassis import ContainerFactory, create_service_api, serve_api
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_insights.bootstrap import Container, bootstrap
from crm_insights.entrypoints.http import aggregates, customers, targets
from crm_insights.settings import InsightsSettings

ROUTERS = [aggregates.router, targets.router, customers.router]


def create_api(
    settings: InsightsSettings | None = None, *, container_factory: ContainerFactory[Container] | None = None
) -> FastAPI:
    settings = settings or load_settings(InsightsSettings)
    factory = container_factory or (lambda: bootstrap(settings, role="api"))
    return create_service_api(settings, title="CRM insights", routers=ROUTERS, container_factory=factory)


def main() -> None:
    serve_api(create_api, InsightsSettings)


if __name__ == "__main__":
    main()
