"""The console's process: ``python -m crm_console.entrypoints.api`` (no worker: the live
tail runs here)."""

from __future__ import annotations

from crm_shared.chassis import ContainerFactory, create_service_api, serve_api
from fastapi import FastAPI

from crm_console.bootstrap import Container, bootstrap
from crm_console.entrypoints.http import auth, live, mine, proxy, web
from crm_console.settings import ConsoleSettings


def create_api(
    settings: ConsoleSettings | None = None, *, container_factory: ContainerFactory[Container] | None = None
) -> FastAPI:
    settings = settings or ConsoleSettings()
    routers = [auth.router, live.router, mine.router, proxy.router, web.router]  # the app's catch-all last
    return create_service_api(
        settings,
        title="CRM console",
        routers=routers,
        container_factory=container_factory or (lambda: bootstrap(settings)),
    )


def main() -> None:
    serve_api(create_api, ConsoleSettings)


if __name__ == "__main__":
    main()
