"""ServiceDesk' settings: the shared ones plus what only service-desk needs."""

from __future__ import annotations

from crm_shared.settings import CrmSettings


class ServiceDeskSettings(CrmSettings):
    service_name: str = "service-desk"
    http_port: int = 8003
    worker_web_port: int = 6103
