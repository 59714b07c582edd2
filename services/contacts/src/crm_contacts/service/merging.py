"""Merging duplicates into a survivor: one ``crm.customer.merged`` event, a tombstone per
merged-away id, the merged-away records archived with ``merged_into``. Re-running a
merge that is done is a no-op; a crash half-way is finished by the sweeper.

Steps (each idempotent): record the intent; archive each duplicate with
``merged_into`` (no event: merged ids get no further events); commit the survivor
with the merged event; once that event is on Kafka, send the tombstones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from crm_shared.errors import Conflict, NotFound, ValidationFailed, VersionConflict

from crm_contacts.domain.customer import Customer
from crm_contacts.domain.inputs import MergeRequest
from crm_contacts.domain.merge import check_choices, merged_fields
from crm_contacts.domain.permissions import Action, require, require_fields, require_owner
from crm_contacts.service import events
from crm_contacts.service.caller import Caller
from crm_contacts.service.ports import Erased, SagaRepository, TombstoneSink
from crm_contacts.service.sagas import InFlight, caller_doc, caller_from
from crm_contacts.service.writer import Writer, audit

ATTEMPTS = 5


@dataclass(frozen=True)
class MergeResult:
    customer: Customer
    merged_ids: list[str]
    noop: bool


def saga_id(survivor_id: str, duplicate_ids: list[str]) -> str:
    digest = hashlib.sha256(",".join(sorted(duplicate_ids)).encode()).hexdigest()[:16]
    return f"{survivor_id}:{digest}"


class MergeService:
    def __init__(self, *, writer: Writer, sagas: SagaRepository, tombstones: TombstoneSink) -> None:
        self._w = writer
        self._sagas = sagas
        self._in_flight = InFlight()
        self._tombstones = tombstones

    async def _duplicates(self, survivor: Customer, ids: list[str]) -> list[Customer]:
        out, errors = [], []
        for i, dup_id in enumerate(ids):
            stored = await self._w.repo.get(dup_id)
            loc = ["duplicate_ids", i]
            if stored is None or isinstance(stored, Erased):
                errors.append({"loc": loc, "msg": "no such customer", "type": "unknown_customer"})
            elif stored.merged_into not in (None, survivor.id):
                raise Conflict(f"customer {dup_id} was already merged into {stored.merged_into}")
            elif stored.kind != survivor.kind:
                errors.append(
                    {
                        "loc": loc,
                        "msg": f"a {stored.kind} cannot be merged into a {survivor.kind}",
                        "type": "kind_mismatch",
                    }
                )
            else:
                out.append(stored)
        if errors:
            raise ValidationFailed("invalid duplicates", errors=errors)
        return out

    async def merge(
        self, caller: Caller, survivor_id: str, request: MergeRequest, *, expected_version: int | None = None
    ) -> MergeResult:
        require(caller.roles, Action.MERGE)
        if request.field_choices:
            require_fields(caller.roles, request.field_choices, creating=False)
        ids = list(dict.fromkeys(request.duplicate_ids))
        if survivor_id in ids:
            raise ValidationFailed.field(["duplicate_ids"], "the survivor cannot be one of its duplicates")
        survivor = await self._w.load_live(survivor_id)
        duplicates = await self._duplicates(survivor, ids)
        for record in (survivor, *duplicates):
            require_owner(caller.roles, sub=caller.sub, owner_id=record.owner_id, action=Action.MERGE)
        if all(d.merged_into == survivor.id and d.id in survivor.merged_ids for d in duplicates):
            return MergeResult(survivor, ids, noop=True)
        if expected_version is not None and expected_version != survivor.version:
            raise VersionConflict(
                f"customer {survivor_id} is at version {survivor.version}", current_version=survivor.version
            )
        check_choices(request.field_choices, [survivor.id, *ids])
        sid = saga_id(survivor_id, ids)
        saga = await self._sagas.start(
            "merge",
            sid,
            {
                "survivor_id": survivor_id,
                "duplicate_ids": ids,
                "field_choices": request.field_choices,
                "caller": caller_doc(caller),
            },
        )
        customer = await self._in_flight.run(saga, self._run)
        return MergeResult(customer, ids, noop=False)

    async def resume_pending(self) -> int:
        return await self._in_flight.resume(await self._sagas.pending("merge"), self._run)

    async def _run(self, saga: dict[str, Any]) -> Customer:
        caller = caller_from(saga["caller"])
        survivor_id: str = saga["survivor_id"]
        ids: list[str] = saga["duplicate_ids"]
        pre_merge: list[Customer] = []
        for dup_id in ids:
            pre_merge.append(await self._archive(caller, dup_id, survivor_id))
        survivor = await self._merge_survivor(caller, survivor_id, pre_merge, saga.get("field_choices", {}))
        await self._w.repo.publish_pending(survivor_id)
        if await self._w.repo.is_published(survivor_id, survivor.version):
            for dup_id in ids:
                await self._tombstones.send_raw(self._w.topics.customer, key=dup_id.encode(), value=None)
            await self._sagas.finish("merge", saga["saga_id"])
        return survivor

    async def _archive(self, caller: Caller, dup_id: str, survivor_id: str) -> Customer:
        """Archive one duplicate with ``merged_into``; returns its state before the merge."""
        for _ in range(ATTEMPTS):
            dup = await self._w.load(dup_id)
            if dup.merged_into == survivor_id:
                return dup  # archiving changed no business field: still its pre-merge values
            after, changes = self._w.next_state(dup, {"archived": True, "merged_into": survivor_id})
            try:
                await self._w.repo.commit(
                    state=after,
                    expected_version=dup.version,
                    events=[],
                    actor=caller.actor_header,
                    audit=audit("merged_away", caller, changes, merged_into=survivor_id),
                )
                return dup
            except VersionConflict:
                continue
        raise Conflict(f"customer {dup_id} keeps changing; try the merge again")

    async def _merge_survivor(
        self, caller: Caller, survivor_id: str, duplicates: list[Customer], choices: dict[str, str]
    ) -> Customer:
        for _ in range(ATTEMPTS):
            survivor = await self._w.load(survivor_id)
            if survivor.merged_into:
                raise NotFound(f"survivor {survivor_id} was itself merged into {survivor.merged_into}")
            todo = [d for d in duplicates if d.id not in survivor.merged_ids]
            if not todo:
                return survivor
            sources = {survivor.id, *(d.id for d in todo)}
            usable = {f: src for f, src in choices.items() if src in sources}
            after, changes = self._w.next_state(survivor, merged_fields(survivor, todo, usable))
            event = events.merged(after, changes, [d.id for d in todo], caller)
            try:
                await self._w.repo.commit(
                    state=after,
                    expected_version=survivor.version,
                    events=[(self._w.topics.customer, event)],
                    actor=caller.actor_header,
                    audit=audit("merged", caller, changes, merged_ids=[d.id for d in todo]),
                )
                return after
            except VersionConflict:
                continue
        raise Conflict(f"customer {survivor_id} keeps changing; try the merge again")
