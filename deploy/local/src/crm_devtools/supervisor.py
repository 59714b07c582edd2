"""Run local processes with prefixed output; wait for health; stop them all.

Reusable by tests::

    from crm_devtools.services import process_specs
    from crm_devtools.supervisor import start_services

    specs = process_specs(["contacts"], env=crm_env, ports={"contacts": (p1, p2)})
    with start_services(specs) as procs:      # each API answered GET /healthz 200
        ...
    # all stopped: SIGTERM to each process group, SIGKILL after the timeout

``start_services(specs, restart=True)`` and ``crm dev`` start a process that exited again,
after a backoff (1 s, doubling up to 30 s; back to 1 s once it has run for a minute).
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType

from crm_devtools.restarts import Restarts, restart_loop

__all__ = [
    "ProcessSpec",
    "Restarts",
    "ServiceFailed",
    "ServiceProcess",
    "http_ok",
    "start_services",
    "stop_all",
]

log = logging.getLogger(__name__)

LineSink = Callable[[str, str], None]
"""Receives (process name, output line) from a reader thread."""


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    port: int | None = None
    """Where the process listens (shown; probed when ``health_path`` is set)."""
    health_path: str | None = None
    """``GET http://127.0.0.1:<port><health_path>`` must answer 200 to be healthy."""
    ready_path: str | None = None
    """Where the process says it is ready to work (a worker: it owns its partitions);
    ``health_path`` when unset."""
    cwd: str | None = None
    host: str = "127.0.0.1"

    @property
    def url(self) -> str | None:
        return f"http://{self.host}:{self.port}" if self.port else None


class ServiceFailed(RuntimeError):
    """A process exited or did not become healthy in time."""


def _log_sink(name: str, line: str) -> None:
    logging.getLogger(f"{__name__}.{name}").info("%s | %s", name, line)


def http_ok(host: str, port: int, path: str, timeout_s: float = 1.0) -> bool:
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class ServiceProcess:
    """One child process in its own process group, output read line by line."""

    def __init__(
        self,
        spec: ProcessSpec,
        *,
        env: Mapping[str, str] | None = None,
        sink: LineSink | None = None,
        keep_lines: int = 200,
    ) -> None:
        self.spec = spec
        self._extra_env = dict(env or {})
        self._sink = sink or _log_sink
        self._lines: deque[str] = deque(maxlen=keep_lines)
        self._popen: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self.restarts = 0
        self.started_at = 0.0

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def start(self) -> ServiceProcess:
        if self._popen is not None:
            raise RuntimeError(f"{self.name} already started")
        self.started_at = time.monotonic()
        env = {**os.environ, **self._extra_env, **self.spec.env}
        self._popen = subprocess.Popen(  # noqa: S603 - commands come from our table
            list(self.spec.command),
            cwd=self.spec.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, name=f"out-{self.name}", daemon=True)
        self._reader.start()
        return self

    def restart(self) -> ServiceProcess:
        """Start the spec again after the process exited (kills what is left of its group)."""
        if self.running:
            raise RuntimeError(f"{self.name} is still running")
        self.signal(signal.SIGKILL)
        self._join_reader(2.0)
        if self._popen is not None and self._popen.stdout is not None:
            self._popen.stdout.close()
        self._popen = None
        self.restarts += 1
        return self.start()

    def _read(self) -> None:
        assert self._popen is not None
        assert self._popen.stdout is not None
        for raw in self._popen.stdout:
            line = raw.rstrip("\n")
            self._lines.append(line)
            try:
                self._sink(self.name, line)
            except Exception:  # a broken sink must not block the child on a full pipe
                log.exception("output sink failed for %s", self.name)

    def poll(self) -> int | None:
        return self._popen.poll() if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def output(self) -> list[str]:
        """The last lines the process wrote (stdout and stderr)."""
        return list(self._lines)

    def healthy(self) -> bool:
        if not self.running:
            return False
        if self.spec.health_path is None or self.spec.port is None:
            return True
        return http_ok(self.spec.host, self.spec.port, self.spec.health_path)

    def ready(self) -> bool:
        """Healthy and, where the spec has a ``ready_path``, answering 200 there."""
        if self.spec.ready_path is None or self.spec.port is None:
            return self.healthy()
        return self.running and http_ok(self.spec.host, self.spec.port, self.spec.ready_path)

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            code = self.poll()
            if code is not None:
                self._join_reader(1.0)
                raise ServiceFailed(
                    f"{self.name} exited with code {code} before it was healthy; last output:\n"
                    + "\n".join(self.output()[-30:])
                )
            if self.healthy():
                return
            if time.monotonic() > deadline:
                raise ServiceFailed(
                    f"{self.name} not healthy after {timeout_s:.0f}s "
                    f"(GET {self.spec.url}{self.spec.health_path}); last output:\n" + "\n".join(self.output()[-30:])
                )
            time.sleep(0.1)

    def signal(self, sig: int) -> None:
        """Signal the whole process group (the child and anything it spawned)."""
        if self._popen is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, sig)

    def stop(self, timeout_s: float = 10.0) -> int | None:
        stop_all([self], timeout_s)
        return self.poll()

    def _join_reader(self, timeout_s: float) -> None:
        if self._reader is not None:
            self._reader.join(timeout_s)

    def __enter__(self) -> ServiceProcess:
        return self.start() if self._popen is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def stop_all(procs: Iterable[ServiceProcess], timeout_s: float = 10.0) -> None:
    """SIGTERM every process group, wait up to ``timeout_s``, then SIGKILL the rest."""
    procs = [p for p in procs if p._popen is not None]
    for p in procs:
        if p.running:
            p.signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for p in procs:
        assert p._popen is not None
        try:
            p._popen.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %d) ignored SIGTERM for %.0fs: SIGKILL", p.name, p._popen.pid, timeout_s)
        p.signal(signal.SIGKILL)  # also reaps leftovers in the group
        with contextlib.suppress(subprocess.TimeoutExpired):
            p._popen.wait(5)
        p._join_reader(2.0)
        if p._popen.stdout is not None:
            p._popen.stdout.close()


@contextlib.contextmanager
def start_services(
    specs: Iterable[ProcessSpec],
    *,
    env: Mapping[str, str] | None = None,
    health_timeout_s: float = 60.0,
    stop_timeout_s: float = 10.0,
    sink: LineSink | None = None,
    restart: bool = False,
    restarts: Restarts | None = None,
) -> Iterator[dict[str, ServiceProcess]]:
    """Start processes, wait until each is healthy, yield them by name, stop them all.

    ``env`` is added to every process's environment (under each spec's own env).
    Raises ``ServiceFailed`` (after stopping everything) if one exits or stays unhealthy.
    ``restart``: once all are healthy, a process that exits is started again (with
    backoff: ``restarts``) in the same ``ServiceProcess`` object, as ``crm dev`` does.
    """
    procs: dict[str, ServiceProcess] = {}
    stop = threading.Event()
    watcher: threading.Thread | None = None
    try:
        for spec in specs:
            procs[spec.name] = ServiceProcess(spec, env=env, sink=sink).start()
        for p in procs.values():
            p.wait_healthy(health_timeout_s)
        if restart:
            watcher = threading.Thread(
                target=restart_loop, args=(procs, stop, 0.2, restarts or Restarts()), name="restarts", daemon=True
            )
            watcher.start()
        yield procs
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(10)
        stop_all(procs.values(), stop_timeout_s)
