"""A private broker and store that a reliability test may stop and start.

The shared infrastructure (``crm infra``) serves every engineer and test on the machine:
a test that needs an outage starts its own Kafka and/or store on free ports in a
temporary state folder, stops them when it wants an outage, starts them again (same
data) and removes them at the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crm_devtools.infra import Infra, InfraError
from crm_devtools.net import free_port
from crm_devtools.paths import InfraConfig, cache_dir

log = logging.getLogger(__name__)


@dataclass
class PrivateInfra:
    infra: Infra
    components: tuple[str, ...]

    @property
    def kafka_bootstrap_servers(self) -> str:
        return self.infra.cfg.kafka_bootstrap_servers

    @property
    def mongodb_url(self) -> str:
        return self.infra.cfg.mongodb_url

    def stop(self, *components: str) -> None:
        """An outage: the processes stop (SIGTERM), their data stays."""
        self.infra.down(components or self.components, timeout_s=15)

    def start(self, *components: str) -> None:
        """Back on the same ports with the same data; returns once they answer. A restart
        that exits during start-up is tried again on the same ports (seen once on a
        loaded machine: the broker exited right after a stop; the error says how)."""
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self.infra.up(components or self.components, provision=False)
            except InfraError as exc:
                if attempt == START_ATTEMPTS:
                    raise
                log.warning("private %s did not restart (attempt %d), again: %s", components, attempt, exc)
                time.sleep(2.0)
            else:
                return


START_ATTEMPTS = 3
"""A free port is picked from the ephemeral range, where any outgoing connection on a
busy machine may take it before the broker binds it (CI once saw a private Kafka exit
during start-up): a start that fails is retried on new ports in a new folder."""


def _start(state_dir: Path, components: tuple[str, ...]) -> Infra:
    for attempt in range(1, START_ATTEMPTS + 1):
        cfg = InfraConfig(
            cache_dir=cache_dir(),
            state_dir=state_dir / f"try{attempt}",
            kafka_port=free_port(),
            kafka_controller_port=free_port(),
            mongo_port=free_port(),
        )
        infra = Infra(cfg)
        try:
            infra.up(components, provision=False)
        except InfraError as exc:
            infra.down(components)
            if attempt == START_ATTEMPTS:
                raise
            log.warning("private %s did not start (attempt %d), again on new ports: %s", components, attempt, exc)
        else:
            return infra
    raise AssertionError("unreachable")


@contextmanager
def private_infra(state_dir: Path, components: tuple[str, ...] = ("kafka", "mongo")) -> Iterator[PrivateInfra]:
    """Kafka and/or the store on free ports under ``state_dir``, removed afterwards."""
    infra = _start(state_dir, components)
    try:
        yield PrivateInfra(infra, components)
    finally:
        infra.down(components)
