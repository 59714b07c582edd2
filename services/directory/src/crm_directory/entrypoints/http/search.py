"""``POST /search``: one box across customers, people, companies, leads, deals, tickets
and colleagues, filtered by what the caller may see. A POST: what people type is often
a name or an e-mail address, which must stay out of URLs and access logs."""

from __future__ import annotations

from typing import Annotated, Literal

from crm_shared.auth import CurrentPrincipal
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from crm_directory.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["search"])

Kind = Literal["company", "person", "lead", "deal", "ticket", "user"]


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, Field(min_length=1, max_length=200, description="Words, prefixes, typos, Chinese")]
    kinds: list[Kind] = Field(default_factory=list, description="Only these kinds (empty: all)")
    limit: Annotated[int, Field(ge=1, le=50)] = 20


class SearchHit(BaseModel):
    kind: Kind
    id: str
    title: str
    subtitle: str
    customer_id: str = Field(description="The customer the record belongs to (empty for a colleague)")
    score: float


class SearchResults(BaseModel):
    items: list[SearchHit]


@router.post("/search", response_model=SearchResults)
async def search(body: SearchQuery, c: ContainerDep, p: CurrentPrincipal) -> SearchResults:
    hits = await c.search.search(by=p, text=body.q, kinds=tuple(body.kinds), limit=body.limit)
    return SearchResults(items=[SearchHit(**h.__dict__) for h in hits])
