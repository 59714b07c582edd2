"""Sales' stream worker process: ``python -m crm_sales.entrypoints.worker``."""

from __future__ import annotations

import faust
from crm_shared.kafka.faust_app import make_faust_app
from crm_shared.logs import configure_logging
from crm_shared.settings import load_settings

from crm_sales.settings import SalesSettings


def create_worker(settings: SalesSettings) -> faust.App:
    app = make_faust_app(settings)
    return app


def main() -> None:
    settings = load_settings(SalesSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service=settings.service_name)
    app = create_worker(settings)
    from faust.worker import Worker

    Worker(app, loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
