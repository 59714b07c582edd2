"""The knowledge base: articles (drafts, publish, archive), search over the published
ones, and the link an agent puts in a reply."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import Forbidden, NotFound, VersionConflict

from crm_service_desk.domain import articles, permissions
from crm_service_desk.domain.articles import ArticleIn, Move
from crm_service_desk.service.ports import ArticleSearchIndex, DocumentStore

Document = dict[str, Any]
RESYNC_EVERY = timedelta(seconds=60)
"""Even without a new generation (a commit whose marker write failed), re-read this often."""


class KnowledgeService:
    def __init__(
        self, *, articles: DocumentStore, index: ArticleSearchIndex, public_base_url: str, clock: Clock
    ) -> None:
        self.articles = articles
        self.index = index
        self.public_base_url = public_base_url
        self.clock = clock
        self._published: dict[str, Document] = {}
        self._generation: str | None = None
        self._synced_at: datetime | None = None
        self._sync_lock = asyncio.Lock()

    # -- reads -------------------------------------------------------------------------

    async def get(self, *, principal: Principal, article_id: str) -> Document:
        doc = await self.articles.get(article_id)
        if doc is None or (doc["state"] != "published" and not permissions.can_edit_articles(principal)):
            raise NotFound(f"article {article_id} does not exist")
        return self._out(doc)

    async def visible(
        self, *, principal: Principal, state: str | None, locale: str | None, tag: str | None
    ) -> list[Document]:
        """Editors see every state (``state`` filters); everyone else the published ones."""
        if not permissions.can_edit_articles(principal):
            if state not in (None, "published"):
                return []
            state = "published"
        filters = {k: v for k, v in {"state": state, "locale": locale}.items() if v is not None}
        docs = [d for d in await self.articles.find(filters) if tag is None or tag in (d.get("tags") or [])]
        docs.sort(key=lambda d: d["updated_at"], reverse=True)
        return [self._out(d) for d in docs]

    async def search(self, *, text: str, locale: str | None, limit: int) -> list[Document]:
        """Published articles matching ``text`` (title, body, tags; typos, Chinese), best first."""
        await self._fresh()
        hits = self.index.search(text, locale=locale, limit=limit)
        found = [(self._published.get(article_id), score) for article_id, score in hits]
        return [
            {**self._out(d, body=False), "snippet": _snippet(str(d["body"])), "score": round(s, 3)}
            for d, s in found
            if d is not None
        ]

    async def link(self, *, principal: Principal, article_id: str) -> Document:
        """The title and public URL of a published article, and the text for a reply."""
        doc = await self.get(principal=principal, article_id=article_id)
        if doc["state"] != "published":
            raise NotFound(f"article {article_id} is not published")
        return {"id": article_id, "title": doc["title"], "url": doc["url"], "text": f"{doc['title']}: {doc['url']}"}

    async def public(self, *, article_id: str) -> Document:
        """A published article for the public help page (no login)."""
        doc = await self.articles.get(article_id)
        if doc is None or doc["state"] != "published":
            raise NotFound("this article does not exist")
        return doc

    # -- writes ------------------------------------------------------------------------

    async def create(self, *, principal: Principal, article: ArticleIn) -> Document:
        _may_edit(principal)
        article_id, now = str(uuid.uuid4()), self.clock()
        doc = {**article.model_dump(mode="json"), "state": "draft", "created_by": principal.sub}
        doc |= {"created_at": now, "updated_at": now, "published_at": None}
        await self.articles.commit(article_id, expected_version=0, doc=doc, actor=principal.actor().header_value())
        return await self._saved(article_id)

    async def replace(
        self, *, principal: Principal, article_id: str, expected_version: int, article: ArticleIn
    ) -> Document:
        _may_edit(principal)
        current = await self._current(article_id, expected_version)
        articles.check_editable(current["state"])
        doc = {**current, **article.model_dump(mode="json"), "updated_at": self.clock()}
        await self.articles.commit(article_id, expected_version=expected_version, doc=doc, actor=_actor(principal))
        return await self._saved(article_id)

    async def move(self, *, principal: Principal, article_id: str, expected_version: int, action: Move) -> Document:
        if not permissions.can_publish_articles(principal):
            raise Forbidden("only admins and service managers publish, unpublish, archive or restore articles")
        current = await self._current(article_id, expected_version)
        state = articles.move(current["state"], action)
        now = self.clock()
        doc = {**current, "state": state, "updated_at": now}
        if action == "publish":
            doc["published_at"] = now
        await self.articles.commit(article_id, expected_version=expected_version, doc=doc, actor=_actor(principal))
        return await self._saved(article_id)

    # -- helpers -----------------------------------------------------------------------

    async def _fresh(self) -> None:
        """Bring the index up to the store's generation (every API process has its own)."""
        async with self._sync_lock:
            generation, now = await self.articles.generation(), self.clock()
            recent = self._synced_at is not None and now - self._synced_at < RESYNC_EVERY
            if generation == self._generation and recent:
                return
            published = await self.articles.find({"state": "published"})
            await asyncio.to_thread(self.index.sync, published)
            self._published = {str(d["_id"]): d for d in published}
            self._generation, self._synced_at = generation, now

    async def _current(self, article_id: str, expected_version: int) -> Document:
        current = await self.articles.get(article_id)
        if current is None:
            raise NotFound(f"article {article_id} does not exist")
        if int(current["version"]) != expected_version:
            raise VersionConflict(
                f"the article is at version {current['version']}", current_version=int(current["version"])
            )
        return current

    async def _saved(self, article_id: str) -> Document:
        doc = await self.articles.get(article_id)
        assert doc is not None
        return self._out(doc)

    def _out(self, doc: Document, *, body: bool = True) -> Document:
        out = {k: v for k, v in doc.items() if k != "_id" and (body or k != "body")}
        out["id"] = str(doc["_id"])
        out["url"] = f"{self.public_base_url}{doc['_id']}"
        return out


def _snippet(body: str, size: int = 160) -> str:
    flat = articles.plain_text(body)
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def _may_edit(principal: Principal) -> None:
    if not permissions.can_edit_articles(principal):
        raise Forbidden("only the service desk writes knowledge-base articles")


def _actor(principal: Principal) -> str:
    return principal.actor().header_value()
