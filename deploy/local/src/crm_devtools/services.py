"""The one table of local service processes (``crm dev`` and the end-to-end tests)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crm_devtools.supervisor import ProcessSpec


@dataclass(frozen=True)
class ServiceDef:
    name: str
    package: str
    api_port: int
    worker_web_port: int


SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef("contacts", "crm_contacts", 8001, 6101),
    ServiceDef("sales", "crm_sales", 8002, 6102),
    ServiceDef("service-desk", "crm_service_desk", 8003, 6103),
    ServiceDef("notifications", "crm_notifications", 8004, 6104),
)

ROLES = ("api", "worker")


def service(name: str) -> ServiceDef:
    for s in SERVICES:
        if s.name == name:
            return s
    raise KeyError(f"unknown service {name!r}; known: {', '.join(s.name for s in SERVICES)}")


def process_specs(
    only: Iterable[str] | None = None,
    *,
    env: Mapping[str, str],
    roles: Iterable[str] = ROLES,
    ports: Mapping[str, tuple[int, int]] | None = None,
    python: str = sys.executable,
) -> list[ProcessSpec]:
    """Specs of the API and worker processes of ``only`` (default: every service).

    ``env`` is added to each process's environment (KAFKA_BOOTSTRAP_SERVERS,
    MONGODB_URL, CRM_TOPIC_PREFIX, ...); ``ports`` maps a service name to
    ``(api_port, worker_web_port)`` to override the table (tests use free ports).
    """
    chosen = [service(n) for n in only] if only is not None else list(SERVICES)
    wanted_roles = list(roles)
    specs = []
    for svc in chosen:
        api_port, worker_port = (ports or {}).get(svc.name, (svc.api_port, svc.worker_web_port))
        common = {
            **env,
            "CRM_SERVICE_NAME": svc.name,
            "CRM_HTTP_PORT": str(api_port),
            "CRM_WORKER_WEB_PORT": str(worker_port),
            "PYTHONUNBUFFERED": "1",
        }
        if "api" in wanted_roles:
            specs.append(ProcessSpec(
                name=f"{svc.name}-api",
                command=(python, "-m", f"{svc.package}.entrypoints.api"),
                env=common,
                port=api_port,
                health_path="/healthz",
            ))
        if "worker" in wanted_roles:
            specs.append(ProcessSpec(
                name=f"{svc.name}-worker",
                command=(python, "-m", f"{svc.package}.entrypoints.worker"),
                env=common,
                port=worker_port,
                health_path="/healthz",  # faust web page from crm_shared.kafka.faust_app
            ))
    return specs
