"""The bell: what concerns me, newest first, read or unread.

Rule (``crm_console.domain.notices.concerned_users``): a change to a record I own or am
assigned (customer owner, deal and lead owner, ticket assignee; on a reassignment the
previous holder too), made by someone else. Kept per user, the newest ``keep`` only.
Every console process tails every event, so items are keyed by event id: a second
process recording the same event changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from crm_console.domain.notices import Notice
from crm_console.service.ports import Doc, UserDocs

log = logging.getLogger(__name__)


def _item(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.event_id,
        "type": notice.type,
        "title": notice.title,
        "topic": notice.topic,
        "customer_id": notice.customer_id,
        "record_id": notice.id,
        "time": notice.time,
        "read": False,
    }


class Bell:
    def __init__(self, docs: UserDocs, *, keep: int = 200) -> None:
        self._docs = docs
        self._keep = keep
        self._tasks: set[asyncio.Task[None]] = set()

    def on_notice(self, notice: Notice) -> None:
        """Hub listener: store in the background, the tail never waits on the store."""
        for user in notice.concerned:
            task = asyncio.get_running_loop().create_task(self._record(user, notice))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _record(self, user: str, notice: Notice) -> None:
        item = _item(notice)

        def add(doc: Doc) -> Doc:
            items = [i for i in doc.get("items", []) if i["id"] != item["id"]]
            return {**doc, "items": [item, *items][: self._keep]}

        try:
            await self._docs.update(user, add)
        except Exception:
            log.exception("bell item not stored", extra={"event_id": notice.event_id})

    async def items(self, *, user: str) -> list[dict[str, Any]]:
        return list((await self._docs.get(user)).get("items", []))

    async def mark_read(self, *, user: str, ids: Iterable[str]) -> None:
        wanted = set(ids)

        def read(doc: Doc) -> Doc:
            return {**doc, "items": [{**i, "read": i["read"] or i["id"] in wanted} for i in doc.get("items", [])]}

        await self._docs.update(user, read)

    async def drain(self) -> None:
        """Wait for items being stored (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
