"""Counts every store command a process sends, by collection and command, in
``bench_store_commands_total`` on the process's ``/metrics`` (prometheus' default
registry). Loaded by Python at start-up when this folder is on ``PYTHONPATH``
(``bench/store_commands.py`` does that for the processes it starts), so it counts the
same way on any commit of the services, the paired base included."""

from __future__ import annotations

from typing import Any

try:
    import pymongo
    from prometheus_client import Counter
    from pymongo import monitoring
except ImportError:  # not a service's interpreter
    pymongo = None

if pymongo is not None:
    COMMANDS = Counter("bench_store_commands", "Store commands sent", ["collection", "command"])

    class _Count(monitoring.CommandListener):
        def started(self, event: monitoring.CommandStartedEvent) -> None:
            target = event.command.get(event.command_name)
            COMMANDS.labels(target if isinstance(target, str) else "", event.command_name).inc()

        def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
            return None

        def failed(self, event: monitoring.CommandFailedEvent) -> None:
            return None

    _init = pymongo.AsyncMongoClient.__init__

    def _counted_init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["event_listeners"] = [*(kwargs.get("event_listeners") or []), _Count()]
        _init(self, *args, **kwargs)

    pymongo.AsyncMongoClient.__init__ = _counted_init  # type: ignore[method-assign]
