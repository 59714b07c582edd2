"""Marketing's HTTP API process: ``python -m crm_marketing.entrypoints.api``."""

from __future__ import annotations

from crm_shared.chassis import ContainerFactory, create_service_api, serve_api
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_marketing.bootstrap import Container, bootstrap
from crm_marketing.entrypoints.http import campaigns, consent, forms, public, scoring, segments
from crm_marketing.settings import MarketingSettings

ROUTERS = [segments.router, consent.router, campaigns.router, forms.router, scoring.router, public.router]


def create_api(
    settings: MarketingSettings | None = None, *, container_factory: ContainerFactory[Container] | None = None
) -> FastAPI:
    settings = settings or load_settings(MarketingSettings)
    factory = container_factory or (lambda: bootstrap(settings, role="api"))
    return create_service_api(settings, title="CRM marketing", routers=ROUTERS, container_factory=factory)


def main() -> None:
    serve_api(create_api, MarketingSettings)


if __name__ == "__main__":
    main()
