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
    worker_web_port: int | None
    """None: the service has no worker process (the console)."""

    @property
    def url_env(self) -> str:
        """The setting other services read this one's API address from (``CRM_CONTACTS_URL``)."""
        return f"CRM_{self.name.upper().replace('-', '_')}_URL"


SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef("console", "crm_console", 8000, None),
    ServiceDef("contacts", "crm_contacts", 8001, 6101),
    ServiceDef("sales", "crm_sales", 8002, 6102),
    ServiceDef("service-desk", "crm_service_desk", 8003, 6103),
    ServiceDef("notifications", "crm_notifications", 8004, 6104),
    ServiceDef("insights", "crm_insights", 8005, 6105),
    ServiceDef("marketing", "crm_marketing", 8007, 6107),
    ServiceDef("directory", "crm_directory", 8006, 6106),
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
    ``(api_port, worker_web_port)`` to override the table (tests use free ports). Every
    process learns every API's address from the same ports (``CRM_CONTACTS_URL``, ...),
    so a second stack on other ports calls its own services; ``env`` may override them.
    """
    chosen = [service(n) for n in only] if only is not None else list(SERVICES)
    wanted_roles = list(roles)
    addresses = {s.url_env: f"http://127.0.0.1:{(ports or {}).get(s.name, (s.api_port, 0))[0]}" for s in SERVICES}
    specs = []
    for svc in chosen:
        api_port, worker_port = (ports or {}).get(svc.name, (svc.api_port, svc.worker_web_port))
        common = {
            **addresses,
            **env,
            "CRM_SERVICE_NAME": svc.name,
            "CRM_HTTP_PORT": str(api_port),
            **({"CRM_WORKER_WEB_PORT": str(worker_port)} if worker_port else {}),
            "PYTHONUNBUFFERED": "1",
        }
        if "api" in wanted_roles:
            specs.append(
                ProcessSpec(
                    name=f"{svc.name}-api",
                    command=(python, "-m", f"{svc.package}.entrypoints.api"),
                    env=common,
                    port=api_port,
                    health_path="/healthz",
                )
            )
        if "worker" in wanted_roles and svc.worker_web_port is not None and worker_port:
            specs.append(
                ProcessSpec(
                    name=f"{svc.name}-worker",
                    command=(python, "-m", f"{svc.package}.entrypoints.worker"),
                    # static membership: a restarted worker takes its partitions back at once
                    env={"CRM_WORKER_INSTANCE_ID": f"{svc.name}-worker", **common},
                    port=worker_port,
                    health_path="/healthz",  # faust web page from crm_shared.kafka.faust_app
                    ready_path="/readyz",  # 200 once it owns its partitions
                )
            )
    return specs
