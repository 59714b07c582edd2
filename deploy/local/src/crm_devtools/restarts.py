"""When and how an exited local process is started again (``crm dev``, ``start_services(restart=True)``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_devtools.supervisor import ServiceProcess

log = logging.getLogger(__name__)


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


def restart_loop(
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
