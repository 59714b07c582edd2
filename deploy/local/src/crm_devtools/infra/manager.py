"""Start, stop and inspect one local infrastructure instance (Kafka + Mongo-wire store)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from crm_devtools.infra import kafka, mongo
from crm_devtools.infra.procs import (
    PidRecord,
    alive,
    exit_status,
    file_lock,
    our_process,
    problems,
    spawn,
    tail,
    terminate,
)
from crm_devtools.net import port_open, port_owner
from crm_devtools.paths import InfraConfig

log = logging.getLogger(__name__)

COMPONENTS = ("kafka", "mongo")


class InfraError(RuntimeError):
    pass


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    address: str
    pid: int | None
    running: bool
    healthy: bool
    started_now: bool = False

    def line(self) -> str:
        pid = f"pid {self.pid}" if self.pid else "not running"
        health = "healthy" if self.healthy else "UNHEALTHY" if self.running else "down"
        return f"{self.name:<6} {self.address:<26} {pid:<12} {health}"


@dataclass(frozen=True)
class _Component:
    name: str
    address: Callable[[InfraConfig], str]
    ports: Callable[[InfraConfig], list[int]]
    prepare: Callable[[InfraConfig], list[str]]
    healthy: Callable[[InfraConfig, float], bool]
    log_files: Callable[[InfraConfig], list[Path]]
    ready_timeout_s: float


_COMPONENTS = {
    "kafka": _Component(
        "kafka",
        lambda c: c.kafka_bootstrap_servers,
        lambda c: [c.kafka_port, c.kafka_controller_port],
        kafka.prepare,
        kafka.is_healthy,
        kafka.log_files,
        120.0,
    ),
    "mongo": _Component(
        "mongo",
        lambda c: c.mongodb_url,
        lambda c: [c.mongo_port],
        mongo.prepare,
        mongo.is_healthy,
        mongo.log_files,
        60.0,
    ),
}


class Infra:
    """One instance, identified by its state folder; ports and cache from ``InfraConfig``."""

    def __init__(self, cfg: InfraConfig | None = None) -> None:
        self.cfg = cfg or InfraConfig.from_env()

    # -- files -------------------------------------------------------------
    def pidfile(self, name: str) -> Path:
        return self.cfg.state_dir / "run" / f"{name}.pid"

    def log_files(self, name: str) -> list[Path]:
        return _COMPONENTS[name].log_files(self.cfg)

    def _lock(self) -> Path:
        return self.cfg.state_dir / "run" / "infra.lock"

    # -- queries -----------------------------------------------------------
    def record(self, name: str) -> PidRecord | None:
        return PidRecord.load(self.pidfile(name))

    def status(self, components: Iterable[str] = COMPONENTS, timeout_s: float = 2.0) -> list[ComponentStatus]:
        out = []
        for name in components:
            comp = _COMPONENTS[name]
            proc = our_process(self.record(name))
            healthy = proc is not None and comp.healthy(self.cfg, timeout_s)
            out.append(
                ComponentStatus(name, comp.address(self.cfg), proc.pid if proc else None, proc is not None, healthy)
            )
        return out

    def running(self, components: Iterable[str] = COMPONENTS) -> bool:
        """Whether every component runs (from our pid files) and answers its protocol."""
        return all(s.healthy for s in self.status(components))

    # -- up ----------------------------------------------------------------
    def up(self, components: Iterable[str] = COMPONENTS, provision: bool = True) -> list[ComponentStatus]:
        """Start what is not running, wait until each answers, provision the topics.

        Idempotent: with everything healthy it only probes (no download, no build).
        """
        names = list(components)
        self.cfg.state_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self._lock()):
            to_start: list[str] = []
            waiting: list[str] = []
            for name in names:
                comp = _COMPONENTS[name]
                proc = our_process(self.record(name))
                if proc is None:
                    self.pidfile(name).unlink(missing_ok=True)
                    self._check_ports_free(name)
                    to_start.append(name)
                elif not comp.healthy(self.cfg, 2.0):
                    waiting.append(name)  # ours, maybe still starting
            commands = self._prepare(to_start)
            for name in to_start:
                rec = spawn(name, commands[name], self.log_files(name)[0], cwd=self.cfg.state_dir, env=_clean_env())
                rec.save(self.pidfile(name))
                log.info("started %s (pid %d) on %s", name, rec.pid, _COMPONENTS[name].address(self.cfg))
            for name in [*to_start, *waiting]:
                self._wait_ready(name)
            if provision and "kafka" in names:
                self.provision_topics()
            started = set(to_start)
            return [
                ComponentStatus(s.name, s.address, s.pid, s.running, s.healthy, s.name in started)
                for s in self.status(names)
            ]

    def provision_topics(self, prefix: str = "") -> list[str]:
        from crm_shared.provision import ensure_topics
        from crm_shared.topics import Topics

        return ensure_topics(self.cfg.kafka_bootstrap_servers, Topics(prefix))

    def _prepare(self, names: list[str]) -> dict[str, list[str]]:
        """Fetch/build artefacts (in parallel when both are missing) and write configs."""
        if not names:
            return {}
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            futures = {n: pool.submit(_COMPONENTS[n].prepare, self.cfg) for n in names}
            return {n: f.result() for n, f in futures.items()}

    def _check_ports_free(self, name: str) -> None:
        for port in _COMPONENTS[name].ports(self.cfg):
            if port_open(self.cfg.host, port, 0.3):
                owner = port_owner(port)
                who = f"pid {owner}" if owner else "another process"
                raise InfraError(
                    f"cannot start {name}: port {port} is in use by {who}, which this state "
                    f"folder ({self.cfg.state_dir}) did not start. Stop it or choose other "
                    "ports (CRM_INFRA_KAFKA_PORT, CRM_INFRA_KAFKA_CONTROLLER_PORT, "
                    "CRM_INFRA_MONGO_PORT)."
                )

    def _wait_ready(self, name: str) -> None:
        comp = _COMPONENTS[name]
        deadline = time.monotonic() + comp.ready_timeout_s
        started = time.monotonic()
        while True:
            proc = our_process(self.record(name))
            if proc is None or not alive(proc):
                rec = self.record(name)
                how = exit_status(rec.pid) if rec else "exit status unknown"
                raise InfraError(f"{name} exited during start-up ({how}):\n{self._log_tail(name)}")
            if comp.healthy(self.cfg, 2.0):
                log.info("%s ready after %.1fs", name, time.monotonic() - started)
                return
            if time.monotonic() > deadline:
                raise InfraError(f"{name} not ready after {comp.ready_timeout_s:.0f}s:\n{self._log_tail(name)}")
            time.sleep(0.2)

    def _log_tail(self, name: str) -> str:
        parts = []
        for p in self.log_files(name):
            if p.is_file():
                found = problems(p)
                parts.append(f"--- {p}\n{tail(p, 25)}" + (f"\n--- errors in it:\n{found}" if found else ""))
        return "\n".join(parts)

    # -- down --------------------------------------------------------------
    def down(self, components: Iterable[str] = COMPONENTS, timeout_s: float = 30.0) -> list[str]:
        """Stop the processes this state folder started; return the names stopped."""
        stopped = []
        with file_lock(self._lock()):
            for name in reversed(list(components)):
                rec = self.record(name)
                proc = our_process(rec)
                if proc is not None:
                    log.info("stopping %s (pid %d)", name, proc.pid)
                    terminate(proc, timeout_s)
                    stopped.append(name)
                elif rec is not None:
                    log.info("%s was not running (stale pid file removed)", name)
                self.pidfile(name).unlink(missing_ok=True)
        return stopped


def _clean_env() -> dict[str, str]:
    """The daemons' environment: ours minus variables that would leak into the JVM."""
    env = dict(os.environ)
    for var in ("KAFKA_OPTS", "KAFKA_HEAP_OPTS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"):
        env.pop(var, None)
    return env
