"""Pipelines: read by everyone who works with deals, edited by admins."""

from __future__ import annotations

import contextlib
from typing import Any

from crm_shared.auth import Principal
from crm_shared.errors import Conflict, VersionConflict

from crm_sales.domain import permissions as perm
from crm_sales.domain.pipeline import DEFAULT_PIPELINE, Pipeline
from crm_sales.service.base import Deps, check_version, not_found


def _from_doc(doc: dict[str, Any]) -> tuple[Pipeline, int]:
    fields = {k: v for k, v in doc.items() if k not in ("_id", "version")}
    return Pipeline.model_validate({**fields, "id": doc["_id"]}), int(doc["version"])


class PipelineService:
    def __init__(self, deps: Deps) -> None:
        self._d = deps

    async def ensure_default(self) -> None:
        if await self._d.ports.pipelines.get(DEFAULT_PIPELINE.id) is None:
            with contextlib.suppress(VersionConflict):  # another process seeded it
                await self._d.ports.pipelines.commit(
                    aggregate_id=DEFAULT_PIPELINE.id,
                    expected_version=0,
                    snapshot=DEFAULT_PIPELINE.model_dump(exclude={"id"}),
                    events=[],
                    actor="system:sales",
                )

    async def load(self, pipeline_id: str) -> tuple[Pipeline, int]:
        doc = await self._d.ports.pipelines.get(pipeline_id)
        if doc is None:
            if pipeline_id == DEFAULT_PIPELINE.id:
                return DEFAULT_PIPELINE, 0
            raise not_found("pipeline", pipeline_id)
        return _from_doc(doc)

    async def all(self, p: Principal) -> list[tuple[Pipeline, int]]:
        perm.require_scope(perm.deal_read(p), "read pipelines")
        docs = await self._d.ports.pipelines.all()
        out = [_from_doc(d) for d in docs]
        if not any(pl.id == DEFAULT_PIPELINE.id for pl, _ in out):
            out.insert(0, (DEFAULT_PIPELINE, 0))
        return out

    async def get(self, p: Principal, pipeline_id: str) -> tuple[Pipeline, int]:
        perm.require_scope(perm.deal_read(p), "read pipelines")
        return await self.load(pipeline_id)

    async def create(self, p: Principal, pipeline: Pipeline) -> tuple[Pipeline, int]:
        perm.require(perm.may_configure(p), "configure pipelines")
        if await self._d.ports.pipelines.get(pipeline.id) is not None or pipeline.id == DEFAULT_PIPELINE.id:
            raise Conflict(f"pipeline {pipeline.id!r} exists; change it with PUT")
        version = await self._d.ports.pipelines.commit(
            aggregate_id=pipeline.id,
            expected_version=0,
            snapshot=pipeline.model_dump(exclude={"id"}),
            events=[],
            actor=p.actor().header_value(),
        )
        return pipeline, version

    async def replace(
        self, p: Principal, pipeline_id: str, pipeline: Pipeline, expected: int | None
    ) -> tuple[Pipeline, int]:
        perm.require(perm.may_configure(p), "configure pipelines")
        if pipeline.id != pipeline_id:
            raise Conflict("a pipeline's id cannot change")
        current, version = await self.load(pipeline_id)
        check_version(version, expected)
        removed = {s.id for s in current.stages} - {s.id for s in pipeline.stages}
        if removed:
            in_use = await self._d.deals.count_in_stages(pipeline_id, sorted(removed))
            if in_use:
                raise Conflict(f"{in_use} deal(s) are in stage(s) {', '.join(sorted(removed))}; move them first")
        new_version = await self._d.ports.pipelines.commit(
            aggregate_id=pipeline_id,
            expected_version=version,
            snapshot=pipeline.model_dump(exclude={"id"}),
            events=[],
            actor=p.actor().header_value(),
        )
        return pipeline, new_version
