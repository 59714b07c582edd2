"""Directory's settings: the shared ones plus its own (env ``CRM_*``)."""

from __future__ import annotations

import os

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
    """The index's state folder (``crm_directory.search.folder``): a start resumes from it.
    Unset: ``$CRM_STATE_DIR/directory-search/<prefix>-<port>`` if ``CRM_STATE_DIR`` is set,
    else in memory, rebuilt from the topics at every start. One folder per API process."""
    state_dir: str | None = None
    """``CRM_STATE_DIR``: where local processes keep state between starts."""

    @property
    def search_folder(self) -> str | None:
        if self.search_path:
            return self.search_path
        if self.state_dir:
            return os.path.join(
                self.state_dir, "directory-search", f"{self.topic_prefix.strip('.') or 'crm'}-{self.http_port}"
            )
        return None

    @property
    def seeds_demo_users(self) -> bool:
        return self.env != "production" if self.seed_demo_users is None else self.seed_demo_users
