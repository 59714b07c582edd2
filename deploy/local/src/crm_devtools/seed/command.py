"""``crm seed``: the command's body (kept out of ``cli.py``)."""

from __future__ import annotations

import asyncio
import logging

import httpx
from rich.console import Console

from crm_devtools.seed.client import ServiceUrls
from crm_devtools.seed.plan import SIZES
from crm_devtools.seed.run import seed


def run_seed_command(
    *,
    size: str,
    offset: int,
    host: str,
    contacts: str | None,
    sales: str | None,
    service_desk: str | None,
    notifications: str | None,
    concurrency: int,
    progress: bool,
) -> int:
    """Seed, print the summary; the exit code is 1 when a record failed or a service is down."""
    console = Console(stderr=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the bars
    if size not in SIZES:
        console.print(f"[red]unknown size {size!r}; use one of {', '.join(SIZES)}[/red]")
        return 2
    urls = ServiceUrls.local(
        offset, host, contacts=contacts, sales=sales, service_desk=service_desk, notifications=notifications
    )
    console.print(
        f"seeding {size}: contacts {urls.contacts}, sales {urls.sales}, "
        f"service-desk {urls.service_desk}, notifications {urls.notifications}"
    )
    try:
        report = asyncio.run(seed(urls, size, progress, concurrency=concurrency, console=console))
    except httpx.HTTPError as exc:
        console.print(f"[red]cannot reach a service: {exc!r} (is `crm dev` running on these ports?)[/red]")
        return 1
    console.print(report.table())
    for line in report.errors[:20]:
        console.print(f"[red]{line}[/red]", markup=False)
    if report.retries:
        console.print("retries: " + ", ".join(f"{k} {v}" for k, v in sorted(report.retries.items())))
    return 1 if report.failed else 0
