"""Knowledge-base articles: content, locale and the draft → published → archived cycle.

``draft`` → ``published`` (publish) → ``draft`` (unpublish) ; either → ``archived``
(archive) → ``draft`` (restore). Only published articles are searched, linked in
replies and shown on the public help page; an archived one is read-only until restored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from crm_shared.errors import Conflict, InvalidTransition
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

ArticleState = Literal["draft", "published", "archived"]
Locale = Literal["en", "zh-CN"]
Move = Literal["publish", "unpublish", "archive", "restore"]
MAX_BODY = 100_000

MOVES: dict[Move, tuple[frozenset[ArticleState], ArticleState]] = {
    "publish": (frozenset({"draft"}), "published"),
    "unpublish": (frozenset({"published"}), "draft"),
    "archive": (frozenset({"draft", "published"}), "archived"),
    "restore": (frozenset({"archived"}), "draft"),
}
"""Each move: the states it starts from and the state it leads to."""

Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: str = Field(default="", max_length=MAX_BODY, description="Markdown.")
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    locale: Locale = "en"

    @field_validator("tags")
    @classmethod
    def _unique(cls, tags: list[str]) -> list[str]:
        return list(dict.fromkeys(tags))


def move(current: ArticleState, action: Move) -> ArticleState:
    """The state after ``action``, or InvalidTransition (409)."""
    sources, target = MOVES[action]
    if current not in sources:
        raise InvalidTransition(
            f"an article cannot {action} from {current}",
            from_status=current,
            allowed=sorted(a for a, (src, _) in MOVES.items() if current in src),
        )
    return target


class ArticleArchived(Conflict):
    code, title = "article_archived", "Article archived"


def check_editable(state: ArticleState) -> None:
    if state == "archived":
        raise ArticleArchived("an archived article is read-only: restore it first")
