"""Directory's settings: the shared ones plus its own (env ``CRM_*``)."""

from __future__ import annotations

from crm_shared.settings import CrmSettings
from pydantic import Field


class DirectorySettings(CrmSettings):
    service_name: str = "directory"
    http_port: int = 8006
    worker_web_port: int = 6106

    seed_demo_users: bool | None = None
    """Create the demo company's people at start (``crm_shared.demo``); default: except in production."""
    outbox_sweep_interval_s: float = Field(default=2.0, gt=0)
    search_enabled: bool = True
    """The API process keeps the global search index (``crm_directory.search``)."""
    search_commit_interval_s: float = Field(default=0.3, gt=0)
    """How often new events become searchable (an index commit and reader reload)."""
    search_path: str | None = None
    """A folder for the index; unset: in memory, rebuilt from the topics at every start."""

    @property
    def seeds_demo_users(self) -> bool:
        return self.env != "production" if self.seed_demo_users is None else self.seed_demo_users
