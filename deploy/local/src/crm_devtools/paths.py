"""Where things live: the repository, the artefact cache and the state folder.

- cache (downloaded or built artefacts, shared by every checkout):
  ``$CRM_CACHE_DIR`` or ``~/.cache/crm-infra``;
- state (data, logs, pid files of one infrastructure instance):
  ``$CRM_STATE_DIR`` or ``<repo>/.state``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

HOST = "127.0.0.1"


@cache
def repo_root() -> Path:
    """The workspace root: from this file's location, else git, else the cwd."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "deploy" / "local" / "pyproject.toml").is_file():
            return parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
        if out:
            return Path(out)
    except (OSError, subprocess.SubprocessError):
        pass
    return Path.cwd()


def cache_dir() -> Path:
    env = os.environ.get("CRM_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "crm-infra"


def state_dir() -> Path:
    env = os.environ.get("CRM_STATE_DIR")
    return Path(env).expanduser() if env else repo_root() / ".state"


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a port number") from None
    if not 0 < value < 65536:
        raise ValueError(f"{name}={raw!r} is not a port number")
    return value


@dataclass(frozen=True)
class InfraConfig:
    """One local infrastructure instance: its folders and ports."""

    cache_dir: Path
    state_dir: Path
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    mongo_port: int = 27017
    host: str = HOST

    @classmethod
    def from_env(cls) -> InfraConfig:
        return cls(
            cache_dir=cache_dir(),
            state_dir=state_dir(),
            kafka_port=_port("CRM_INFRA_KAFKA_PORT", 9092),
            kafka_controller_port=_port("CRM_INFRA_KAFKA_CONTROLLER_PORT", 9093),
            mongo_port=_port("CRM_INFRA_MONGO_PORT", 27017),
        )

    def with_(self, **changes: object) -> InfraConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def kafka_bootstrap_servers(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def mongodb_url(self) -> str:
        return f"mongodb://{self.host}:{self.mongo_port}"

    def connection_env(self) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "MONGODB_URL": self.mongodb_url,
        }
