"""The queue by group and status on the real store: right after opening, status changes,
reassignment to another group and erasure, by offset, newest first, through ``_id``
alone; an interrupted write leaves an entry that is skipped, a lost one is repaired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from crm_service_desk.adapters.tickets import TicketRepository
from crm_service_desk.domain.permissions import Scope
from crm_service_desk.domain.ticket import Ticket

pytestmark = pytest.mark.integration

ALL = Scope(everything=True)
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _ticket(n: int, *, group: str = "support", status: str = "open") -> Ticket:
    at = T0 + timedelta(minutes=n // 2)  # pairs created in the same minute: ties by id
    return Ticket.model_validate(
        {"id": f"t{n:02d}", "customer_id": "c1", "subject": f"T{n}", "channel": "web", "priority": "normal",
         "status": status, "group": group, "created_at": at, "updated_at": at}
    )  # fmt: skip


async def _queue(repo: TicketRepository, group: str, status: str, *, scope: Scope = ALL, limit: int = 3) -> list[str]:
    out: list[str] = []
    while True:
        page = await repo.find(scope=scope, filters={"group": group, "status": status}, limit=limit, offset=len(out))
        out += [t.id for t in page]
        if len(page) < limit:
            return out


def _newest(tickets: list[Ticket]) -> list[str]:
    """The scanning path's order: ``created_at`` descending, ``_id`` ascending."""
    return [t.id for t in sorted(sorted(tickets, key=lambda t: t.id), key=lambda t: t.created_at, reverse=True)]


async def test_queues_follow_the_writes_and_read_by_id_only(store_audit: tuple[Any, Any], mongo_database: str) -> None:
    client, audit = store_audit
    repo = TicketRepository(client[mongo_database], publisher=None)
    await repo.ensure_indexes()
    tickets = {}
    for n in range(9):
        t = _ticket(n, group="support" if n < 7 else "billing")
        tickets[t.id] = await repo.commit(t, expected_version=0, events=[], actor="user:a")
    audit.clear()
    assert await _queue(repo, "support", "open") == _newest([t for t in tickets.values() if t.group == "support"])
    assert await _queue(repo, "support", "open", scope=Scope(groups=("support",))) == await _queue(
        repo, "support", "open"
    )
    assert audit.on("tickets", "ticket_queues", ids_in=True) == []
    # a status change, a move to another group, an erasure (an erased ticket keeps its place)
    for tid, change in (("t03", {"status": "pending"}), ("t04", {"group": "billing"}), ("t05", {"erased": True})):
        t = tickets[tid]
        tickets[tid] = await repo.commit(
            t.model_copy(update=change), expected_version=t.version, events=[], actor="user:a"
        )
    audit.clear()
    current = list(tickets.values())
    for group, status in (("support", "open"), ("support", "pending"), ("billing", "open")):
        want = _newest([t for t in current if t.group == group and t.status == status])
        assert await _queue(repo, group, status) == want
    assert audit.on("tickets", "ticket_queues", ids_in=True) == []
    # with another filter: the scanning path, the same tickets in the same order
    scanned = await repo.find(
        scope=ALL, filters={"group": "support", "status": "open", "priority": "normal"}, limit=50, offset=0
    )
    assert [t.id for t in scanned] == await _queue(repo, "support", "open")


async def test_an_interrupted_write_is_skipped_and_a_lost_entry_repaired(
    mongo_database: str, store_audit: tuple[Any, Any]
) -> None:
    client, _ = store_audit
    db = client[mongo_database]
    repo = TicketRepository(db, publisher=None)
    await repo.ensure_indexes()
    t = await repo.commit(_ticket(1), expected_version=0, events=[], actor="user:a")
    old = await db["tickets"].find_one({"_id": t.id})
    await repo.queues.before_commit(t.id, old, {**(old or {}), "status": "solved"})  # then the process died
    assert await _queue(repo, "support", "solved") == []
    assert await _queue(repo, "support", "open") == [t.id]
    await repo.queues.lists.remove("support:open", t.id, repo.queues.lists_of(old)["support:open"])
    assert await _queue(repo, "support", "open") == []  # lost (two processes wrote one segment)
    assert await repo.queues.repair(db["tickets"]) == (1, 0)
    assert await _queue(repo, "support", "open") == [t.id]
    assert await repo.queues.repair(db["tickets"]) == (0, 1)  # the dead write's entry, extra twice
    assert await repo.queues.lists.count("support:solved") == 0
