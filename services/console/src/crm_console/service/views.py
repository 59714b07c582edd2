"""Saved views: a user's named filters, columns and sort per screen."""

from __future__ import annotations

import uuid
from typing import Any

from crm_console.service.ports import Doc, UserDocs

MAX_VIEWS = 100


class TooManyViews(Exception):
    pass


class SavedViews:
    def __init__(self, docs: UserDocs) -> None:
        self._docs = docs

    async def list(self, *, user: str, screen: str | None) -> list[dict[str, Any]]:
        views = (await self._docs.get(user)).get("views", [])
        return [v for v in views if screen is None or v["screen"] == screen]

    async def save(self, *, user: str, view: dict[str, Any]) -> dict[str, Any]:
        saved = {**view, "id": uuid.uuid4().hex}

        def add(doc: Doc) -> Doc:
            views = doc.get("views", [])
            if len(views) >= MAX_VIEWS:
                raise TooManyViews(f"at most {MAX_VIEWS} saved views")
            return {**doc, "views": [*views, saved]}

        await self._docs.update(user, add)
        return saved

    async def delete(self, *, user: str, view_id: str) -> bool:
        found = False

        def remove(doc: Doc) -> Doc:
            nonlocal found
            views = doc.get("views", [])
            kept = [v for v in views if v["id"] != view_id]
            found = len(kept) != len(views)
            return {**doc, "views": kept}

        await self._docs.update(user, remove)
        return found
