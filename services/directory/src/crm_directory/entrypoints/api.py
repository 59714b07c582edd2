"""Directory's HTTP API process: ``python -m crm_directory.entrypoints.api``."""

from __future__ import annotations

from crm_shared.chassis import ContainerFactory, create_service_api, serve_api
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_directory.bootstrap import Container, bootstrap
from crm_directory.entrypoints.http import people, search
from crm_directory.settings import DirectorySettings

ROUTERS = [people.router, search.router]


def create_api(
    settings: DirectorySettings | None = None, *, container_factory: ContainerFactory[Container] | None = None
) -> FastAPI:
    settings = settings or load_settings(DirectorySettings)
    factory = container_factory or (lambda: bootstrap(settings, role="api"))
    return create_service_api(settings, title="CRM directory", routers=ROUTERS, container_factory=factory)


def main() -> None:
    serve_api(create_api, DirectorySettings)


if __name__ == "__main__":
    main()
