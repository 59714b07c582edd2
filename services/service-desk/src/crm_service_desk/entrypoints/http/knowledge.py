"""``/kb``: knowledge-base articles (drafts, publish, search, the link for a reply) and
``/help/articles/{id}``: a published article's public page, no login."""

from __future__ import annotations

import html
from typing import Annotated, Any

from crm_shared.http.deps import Caller, IfMatch
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Query, Response, status
from fastapi.responses import HTMLResponse

from crm_service_desk.domain import articles
from crm_service_desk.domain.articles import ArticleIn, ArticleState, Locale, Move
from crm_service_desk.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["knowledge base"])
"""Raw HTML in an article is shown as text: the page is public."""


def _out(doc: dict[str, Any], response: Response) -> dict[str, Any]:
    set_etag(response, int(doc["version"]))
    return doc


@router.post("/kb/articles", status_code=status.HTTP_201_CREATED, summary="Write a draft article")
async def create_article(body: ArticleIn, principal: Caller, c: ContainerDep, response: Response) -> dict[str, Any]:
    doc = await c.knowledge.create(principal=principal, article=body)
    response.headers["Location"] = f"/kb/articles/{doc['id']}"
    return _out(doc, response)


@router.get("/kb/articles", summary="Articles, last changed first (non-editors: published only)")
async def list_articles(
    principal: Caller,
    c: ContainerDep,
    state: ArticleState | None = None,
    locale: Locale | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    items = await c.knowledge.visible(principal=principal, state=state, locale=locale, tag=tag)
    return {"items": [{k: v for k, v in d.items() if k != "body"} for d in items]}


@router.get("/kb/search", summary="Search published articles (title, body, tags; typos, Chinese)")
async def search_articles(
    principal: Caller,
    c: ContainerDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    locale: Locale | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    return {"items": await c.knowledge.search(text=q, locale=locale, limit=limit)}


@router.get("/kb/articles/{article_id}")
async def get_article(article_id: str, principal: Caller, c: ContainerDep, response: Response) -> dict[str, Any]:
    return _out(await c.knowledge.get(principal=principal, article_id=article_id), response)


@router.put("/kb/articles/{article_id}", summary="Edit an article (If-Match; archived ones are read-only)")
async def replace_article(
    article_id: str, body: ArticleIn, principal: Caller, c: ContainerDep, response: Response, version: IfMatch
) -> dict[str, Any]:
    assert version is not None
    doc = await c.knowledge.replace(principal=principal, article_id=article_id, expected_version=version, article=body)
    return _out(doc, response)


@router.post("/kb/articles/{article_id}/{action}", summary="publish, unpublish, archive or restore (If-Match)")
async def move_article(
    article_id: str, action: Move, principal: Caller, c: ContainerDep, response: Response, version: IfMatch
) -> dict[str, Any]:
    assert version is not None
    doc = await c.knowledge.move(principal=principal, article_id=article_id, expected_version=version, action=action)
    return _out(doc, response)


@router.get("/kb/articles/{article_id}/link", summary="Title and public URL of a published article, for a reply")
async def article_link(article_id: str, principal: Caller, c: ContainerDep) -> dict[str, Any]:
    return await c.knowledge.link(principal=principal, article_id=article_id)


@router.get("/help/articles/{article_id}", response_class=HTMLResponse, summary="A published article, public")
async def public_article(article_id: str, c: ContainerDep) -> HTMLResponse:
    doc = await c.knowledge.public(article_id=article_id)
    title = html.escape(str(doc["title"]))
    page = (
        f'<!doctype html><html lang="{html.escape(str(doc.get("locale") or "en"))}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
        f'<body style="font-family: sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem">'
        f"<h1>{title}</h1>{articles.to_html(str(doc['body']))}</body></html>"
    )
    return HTMLResponse(page, headers={"Cache-Control": "public, max-age=60"})
