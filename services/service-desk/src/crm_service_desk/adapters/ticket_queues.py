"""The ticket queue by group and status without a scan: ``ticket_queues`` keeps, per
(group, status), the tickets newest first (``crm_shared.listed``), written with every
commit; a page (by offset, as the console's queue pages) reads a segment or a few by
``_id`` and fetches its tickets with one ``{_id: {$in: [...]}}``.

Newest first with ties by id, as ``TicketRepository.find`` sorts (``created_at``
descending, ``_id`` ascending): the key is the creation time counted down. A queue
asked with other filters, or by an agent outside the group, takes the scanning path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.listed import ListedCollection, newest_key
from crm_shared.mongo import Collection, Database, Document

from crm_service_desk.domain.permissions import Scope
from crm_service_desk.domain.status import UNSOLVED

COLLECTION = "ticket_queues"
ASSIGNEES = "ticket_assignees"
REPAIR_INTERVAL_S = 3600.0
"""The queues are checked against the tickets this often (a scan; in the worker)."""


def lists_of(doc: Mapping[str, Any] | None) -> dict[str, str]:
    """The queue of a stored ticket (one, if it has a group) → its key."""
    if doc is None or not doc.get("group") or not doc.get("status"):
        return {}
    return {f"{doc['group']}:{doc['status']}": newest_key(doc["created_at"])}


def queue_of(filters: Mapping[str, Any], scope: Scope) -> str | None:
    """The queue answering ``filters``, if they are exactly a group and a status the caller sees whole."""
    if set(filters) != {"group", "status"}:
        return None
    if not (scope.everything or filters["group"] in scope.groups):
        return None
    return f"{filters['group']}:{filters['status']}"


class TicketQueues(ListedCollection):
    def __init__(self, db: Database) -> None:
        projection = {"group": 1, "status": 1, "created_at": 1}
        super().__init__(db, collection=COLLECTION, lists_of=lists_of, projection=projection)

    async def find(
        self, tickets: Collection, filters: Mapping[str, Any], scope: Scope, *, limit: int, offset: int
    ) -> list[Document] | None:
        name = queue_of(filters, scope)
        if name is None:
            return None
        return await self.page(tickets, name, limit=limit, offset=offset)


def assignee_lists_of(doc: Mapping[str, Any] | None) -> dict[str, str]:
    """An unsolved ticket's agent → its key: the open work of a deactivated agent."""
    if doc is None or not doc.get("assignee_id") or doc.get("status") not in UNSOLVED:
        return {}
    return {f"assignee:{doc['assignee_id']}": newest_key(doc["created_at"])}


class TicketAssignees(ListedCollection):
    """Per agent, their unsolved tickets (``ticket_assignees``), kept with every commit."""

    def __init__(self, db: Database) -> None:
        projection = {"assignee_id": 1, "status": 1, "created_at": 1}
        super().__init__(db, collection=ASSIGNEES, lists_of=assignee_lists_of, projection=projection)

    async def open_of(self, tickets: Collection, agent: str, *, limit: int) -> list[str]:
        """Ids of up to ``limit`` unsolved tickets assigned to ``agent`` (newest first)."""
        return [d["_id"] for d in await self.page(tickets, f"assignee:{agent}", limit=limit)]
