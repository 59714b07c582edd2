"""Marketing's aggregate stores: each kind its own revisions and outbox collections.

Memberships and consent ledgers are both keyed by the customer id, and a revision's
``_id`` is ``<aggregate id>:<version>``: sharing one ``revisions`` collection would make
them collide, so every kind keeps its own.
"""

from __future__ import annotations

from crm_shared.aggregates import AggregateStore
from crm_shared.mongo import Database
from crm_shared.outbox import Publisher, revision_id

SEGMENTS = "segments"
MEMBERSHIPS = "memberships"
CONSENTS = "consents"
CAMPAIGNS = "campaigns"
FORMS = "forms"
SCORING = "scoring"


class ErasableStore(AggregateStore):
    async def erase(self, aggregate_id: str) -> None:
        """The aggregate, every revision and pending marker, by ``_id`` (an erasure)."""
        version = await self.current_version(aggregate_id)
        for v in range(1, version + 2):  # +1: a revision whose snapshot a crash left unwritten
            await self.revisions.delete_one({"_id": revision_id(aggregate_id, v)})
            await self.outbox.delete_one({"_id": revision_id(aggregate_id, v)})
        await self.snapshots.delete_one({"_id": aggregate_id})


def store(db: Database, kind: str, publisher: Publisher | None, *, background: bool = True) -> ErasableStore:
    return ErasableStore(
        db,
        snapshots=kind,
        publisher=publisher,
        revisions=f"{kind}_revisions",
        outbox=f"{kind}_outbox",
        publish_in_background=background,
    )
