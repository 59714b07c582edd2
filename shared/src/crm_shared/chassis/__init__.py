"""The service chassis: every service's API and worker are a few lines of wiring on it.

- ``ServiceContainer``: what a composition root gives the chassis (start, readiness, close);
  ``Background`` holds a process's periodic jobs and closers.
- ``create_service_api`` / ``serve_api``: the FastAPI app with one lifespan rule (the
  container is made, started and closed in one place; tests inject theirs the same way).
- ``create_service_worker`` / ``serve_worker``: the faust worker, subscriptions listed
  in one table, the container opened once inside the worker's loop.
"""

from crm_shared.chassis.api import create_service_api, serve_api
from crm_shared.chassis.container import Background, ContainerFactory, ServiceContainer
from crm_shared.chassis.worker import WorkerRuntime, create_service_worker, serve_worker

__all__ = [
    "Background",
    "ContainerFactory",
    "ServiceContainer",
    "WorkerRuntime",
    "create_service_api",
    "create_service_worker",
    "serve_api",
    "serve_worker",
]
