"""What the chassis needs of a service's container, and the background work it owns."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from crm_shared.periodic import Periodic

log = logging.getLogger(__name__)


class ServiceContainer(Protocol):
    """A service's composition root as the chassis sees it.

    ``start`` begins this process's background work (jobs, tails); ``close`` stops it and
    releases clients, in reverse order of acquisition; ``readiness`` feeds ``/readyz``.
    """

    async def start(self) -> None: ...

    async def readiness(self) -> dict[str, Any]: ...

    async def close(self) -> None: ...


C = TypeVar("C", bound=ServiceContainer)
ContainerFactory = Callable[[], Awaitable[C]]
Closer = Callable[[], Awaitable[Any]]


@dataclass
class Background:
    """A process's periodic jobs and the resources to release when it stops.

    Jobs start together and stop before any closer runs (a job must never find its
    store client closed); closers run last-acquired first, each failure logged and the
    rest still run.
    """

    jobs: list[Periodic] = field(default_factory=list)
    closers: list[Closer] = field(default_factory=list)
    started: bool = False

    def add(self, *jobs: Periodic) -> None:
        self.jobs.extend(jobs)

    def on_close(self, closer: Closer) -> None:
        self.closers.append(closer)

    def job(self, name: str) -> Periodic:
        return next(j for j in self.jobs if j.name == name)

    async def start(self) -> None:
        if self.started:
            return
        self.started = True
        for job in self.jobs:
            job.start()

    async def stop_jobs(self) -> None:
        for job in reversed(self.jobs):
            await job.stop()
        self.started = False

    async def close(self) -> None:
        await self.stop_jobs()
        while self.closers:
            closer = self.closers.pop()
            try:
                await closer()
            except Exception:
                log.exception("closing a resource failed", extra={"closer": getattr(closer, "__qualname__", "")})
