"""Sales' settings: the shared ones plus what only sales needs."""

from __future__ import annotations

from crm_shared.settings import CrmSettings


class SalesSettings(CrmSettings):
    service_name: str = "sales"
    http_port: int = 8002
    worker_web_port: int = 6102
