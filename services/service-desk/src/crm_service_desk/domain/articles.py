"""Knowledge-base articles: content, locale and the draft → published → archived cycle.

``draft`` → ``published`` (publish) → ``draft`` (unpublish) ; either → ``archived``
(archive) → ``draft`` (restore). Only published articles are searched, linked in
replies and shown on the public help page; an archived one is read-only until restored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from crm_shared.errors import Conflict, InvalidTransition
from markdown_it import MarkdownIt
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

ArticleState = Literal["draft", "published", "archived"]
Locale = Literal["en", "zh-CN"]
Move = Literal["publish", "unpublish", "archive", "restore"]
MAX_BODY = 100_000
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_TEXT = frozenset({"text", "code_inline", "code_block", "fence", "html_inline", "html_block"})

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


def plain_text(body: str) -> str:
    """The words of a Markdown body without its markup (``**Settings → Security**`` → the words).

    For search-result snippets: raw HTML in a body stays text here as on the help page."""
    words: list[str] = []
    for token in _MARKDOWN.parse(body):
        for part in token.children or [token]:
            if part.type in _TEXT:
                words.append(part.content)
            elif part.type in {"softbreak", "hardbreak"}:
                words.append(" ")
        if token.block and token.nesting <= 0:
            words.append(" ")
    return " ".join("".join(words).split())


def to_html(body: str) -> str:
    """The help page's HTML of a Markdown body (raw HTML in it is escaped, shown as text)."""
    return str(_MARKDOWN.render(body))
