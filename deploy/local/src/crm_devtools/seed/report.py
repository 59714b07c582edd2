"""What a seed run did, per kind of record, and the progress bars while it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


@dataclass
class KindCount:
    planned: int
    created: int = 0
    existing: int = 0
    failed: int = 0


@dataclass
class SeedReport:
    size: str
    kinds: dict[str, KindCount] = field(default_factory=dict)
    elapsed_s: float = 0.0
    requests: int = 0
    retries: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def kind(self, name: str, planned: int) -> KindCount:
        return self.kinds.setdefault(name, KindCount(planned=planned))

    def tally(self, name: str, planned: int, *, created: bool) -> None:
        """One item of a kind looked up first: written now, or there already."""
        k = self.kind(name, planned)
        if created:
            k.created += 1
        else:
            k.existing += 1

    @property
    def created(self) -> int:
        return sum(k.created for k in self.kinds.values())

    @property
    def existing(self) -> int:
        return sum(k.existing for k in self.kinds.values())

    @property
    def failed(self) -> int:
        return sum(k.failed for k in self.kinds.values())

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "elapsed_s": round(self.elapsed_s, 1),
            "requests": self.requests,
            "requests_per_s": round(self.requests_per_s, 1),
            "retries": self.retries,
            "kinds": {k: vars(v) for k, v in self.kinds.items()},
            "errors": self.errors[:20],
        }

    def table(self) -> Table:
        table = Table(
            title=f"crm seed --size {self.size}: {self.elapsed_s:.1f} s, {self.requests} requests "
            f"({self.requests_per_s:.1f}/s)"
        )
        for col in ("kind", "planned", "created", "already there", "failed"):
            table.add_column(col, justify="left" if col == "kind" else "right")
        for name, k in self.kinds.items():
            table.add_row(name, str(k.planned), str(k.created), str(k.existing), str(k.failed))
        table.add_row("total", "", str(self.created), str(self.existing), str(self.failed), style="bold")
        return table


Advance = Callable[[], None]


class Bars:
    """One rich progress bar per kind (or nothing, when ``enabled`` is false)."""

    def __init__(self, *, enabled: bool, console: Console | None = None) -> None:
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description:<22}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            )

    def __enter__(self) -> Bars:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def track(self, kind: str, total: int) -> Advance:
        progress = self._progress
        if progress is None:
            return lambda: None
        task = progress.add_task(kind, total=total)
        return lambda: progress.advance(task)
