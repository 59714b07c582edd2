"""Notifications' settings: the shared ones plus what only notifications needs."""

from __future__ import annotations

from crm_shared.settings import CrmSettings


class NotificationsSettings(CrmSettings):
    service_name: str = "notifications"
    http_port: int = 8004
    worker_web_port: int = 6104
