"""``crm dev``'s supervisor: start the processes, report readiness, exits and restarts, stop all on a signal."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType

from crm_devtools.restarts import Restarts
from crm_devtools.supervisor import ProcessSpec, ServiceProcess, stop_all

log = logging.getLogger(__name__)


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
