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
from types import FrameType, TracebackType

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


class Restarts:
    """When to start an exited process again: 1 s, then doubling up to ``max_backoff_s``;
    a process that ran ``stable_after_s`` before it exited starts over at 1 s."""

    def __init__(
        self, *, first_backoff_s: float = 1.0, max_backoff_s: float = 30.0, stable_after_s: float = 60.0
    ) -> None:
        self._first = first_backoff_s
        self._max = max_backoff_s
        self._stable = stable_after_s
        self._backoff: dict[str, float] = {}
        self._due: dict[str, float] = {}

    def exited(self, proc: ServiceProcess) -> float:
        """Note an exit; returns the delay before the restart."""
        now = time.monotonic()
        if now - proc.started_at >= self._stable:
            self._backoff.pop(proc.name, None)
        delay = self._backoff.get(proc.name, self._first)
        self._backoff[proc.name] = min(delay * 2, self._max)
        self._due[proc.name] = now + delay
        return delay

    def due(self, proc: ServiceProcess) -> bool:
        at = self._due.get(proc.name)
        if at is None or time.monotonic() < at:
            return False
        del self._due[proc.name]
        return True


def _restart_loop(
    procs: Mapping[str, ServiceProcess], stop: threading.Event, interval_s: float, restarts: Restarts
) -> None:
    waiting: set[str] = set()
    while not stop.wait(interval_s):
        for name, proc in procs.items():
            if name not in waiting and not proc.running:
                waiting.add(name)
                delay = restarts.exited(proc)
                log.warning("%s exited with code %s: restarting in %.0fs", name, proc.poll(), delay)
            elif name in waiting and restarts.due(proc) and not stop.is_set():
                waiting.discard(name)
                proc.restart()
                log.warning("%s restarted (pid %s, restart #%d)", name, proc.pid, proc.restarts)


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
                target=_restart_loop, args=(procs, stop, 0.2, restarts or Restarts()), name="restarts", daemon=True
            )
            watcher.start()
        yield procs
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(10)
        stop_all(procs.values(), stop_timeout_s)


class Supervisor:
    """``crm dev``: start processes, report readiness and exits, stop all on a signal."""

    _COLORS = (
        "cyan",
        "green",
        "yellow",
        "magenta",
        "blue",
        "bright_cyan",
        "bright_green",
        "bright_yellow",
        "bright_magenta",
        "bright_blue",
    )

    def __init__(
        self,
        specs: Iterable[ProcessSpec],
        *,
        echo: Callable[[str], None],
        color: bool = False,
        stop_timeout_s: float = 10.0,
        poll_interval_s: float = 0.5,
        quiet: bool = False,
        on_all_ready: Callable[[], None] | None = None,
        restart: bool = True,
        restarts: Restarts | None = None,
    ) -> None:
        """``quiet``: no line per start and per ready process (the caller prints a summary);
        exits, restarts and recoveries are always told. ``on_all_ready`` runs once, when
        every process with a health check answered. ``restart``: start an exited process
        again after a backoff (``restarts``)."""
        self.specs = list(specs)
        self._quiet = quiet
        self._on_all_ready = on_all_ready
        self._echo = echo
        self._color = color
        self._stop_timeout_s = stop_timeout_s
        self._poll_interval_s = poll_interval_s
        self._lock = threading.Lock()
        self._width = max((len(s.name) for s in self.specs), default=0)
        self._colors = {s.name: self._COLORS[i % len(self._COLORS)] for i, s in enumerate(self.specs)}
        self.procs: dict[str, ServiceProcess] = {}
        self.stop_event = threading.Event()
        self._restart = restart
        self._restarts = restarts or Restarts()

    def _prefix(self, name: str) -> str:
        label = f"{name:<{self._width}} |"
        if self._color:
            import typer

            return typer.style(label, fg=self._colors.get(name, "white"))
        return label

    def emit(self, name: str, line: str) -> None:
        with self._lock:
            self._echo(f"{self._prefix(name)} {line}")

    def start(self) -> None:
        for spec in self.specs:
            proc = ServiceProcess(spec, sink=self.emit)
            self.procs[spec.name] = proc
            proc.start()
            if not self._quiet:
                where = f"{spec.url}" if spec.url else "-"
                self.emit(spec.name, f"started pid {proc.pid}, listens on {where}")

    def run_forever(self) -> int:
        """Run until SIGINT/SIGTERM (exit 0) or, without ``restart``, until every process
        has exited (exit 1)."""
        previous = {}

        def _on_signal(signum: int, frame: FrameType | None) -> None:
            self.stop_event.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _on_signal)
        try:
            self.start()
            return self.watch()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def watch(self) -> int:
        reported_exit: set[str] = set()
        reported_ready: set[str] = set()
        probed = {name for name, proc in self.procs.items() if proc.spec.health_path}
        all_ready_told = False
        while not self.stop_event.is_set():
            for name, proc in self.procs.items():
                code = proc.poll()
                if code is not None and name not in reported_exit:
                    reported_exit.add(name)
                    reported_ready.discard(name)
                    if self._restart:
                        delay = self._restarts.exited(proc)
                        self.emit(name, f"EXITED with code {code}; restarting in {delay:.0f}s")
                    else:
                        self.emit(name, f"EXITED with code {code}; the others keep running")
                elif code is not None and self._restart and self._restarts.due(proc):
                    reported_exit.discard(name)
                    proc.restart()
                    self.emit(name, f"restarted: pid {proc.pid} (restart #{proc.restarts})")
                elif code is None and name not in reported_ready and proc.spec.health_path and proc.ready():
                    reported_ready.add(name)
                    path = proc.spec.ready_path or proc.spec.health_path
                    if proc.restarts:
                        self.emit(name, f"ready again after restart #{proc.restarts}")
                    elif not self._quiet:
                        self.emit(name, f"ready: {proc.spec.url}{path} -> 200")
            if not all_ready_told and reported_ready >= probed and not reported_exit:
                all_ready_told = True
                if self._on_all_ready is not None:
                    self._on_all_ready()
            if not self._restart and self.procs and len(reported_exit) == len(self.procs):
                self._echo("every process has exited")
                return 1
            self.stop_event.wait(self._poll_interval_s)
        return 0

    def stop(self) -> None:
        running = [p for p in self.procs.values() if p.running]
        if running:
            self._echo(f"stopping {len(running)} process(es)...")
        stop_all(self.procs.values(), self._stop_timeout_s)
