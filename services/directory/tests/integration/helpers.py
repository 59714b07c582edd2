"""Settings and tokens for the directory's integration tests."""

from __future__ import annotations

from typing import Any

from crm_directory.settings import DirectorySettings
from crm_shared.auth import mint_token


def settings_for(crm_env: dict[str, str], **overrides: Any) -> DirectorySettings:
    fields: dict[str, Any] = {
        "kafka_bootstrap_servers": crm_env["KAFKA_BOOTSTRAP_SERVERS"],
        "mongodb_url": crm_env["MONGODB_URL"],
        "topic_prefix": crm_env["CRM_TOPIC_PREFIX"],
        "mongodb_database": crm_env["CRM_MONGODB_DATABASE"],
        "env": "test",
        "search_commit_interval_s": 0.1,
        "seed_demo_users": False,
    }
    return DirectorySettings(**{**fields, **overrides})


def bearer(settings: DirectorySettings, sub: str, *roles: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, sub=sub, roles=list(roles), **claims)}"}
