"""Macros (placeholders, team rules, preview) and knowledge-base articles (states,
editors, search) on the in-memory fakes."""

from __future__ import annotations

import pytest
from crm_service_desk.bootstrap import Container
from crm_service_desk.domain import articles, macros
from crm_service_desk.domain.articles import ArticleIn
from crm_service_desk.domain.macros import MacroIn, PlaceholderError
from crm_service_desk.domain.mail import ticket_token
from crm_service_desk.service.models import NewTicket
from crm_shared.auth import Principal
from crm_shared.errors import Forbidden, InvalidTransition, NotFound, VersionConflict
from pydantic import ValidationError

ADMIN = Principal(sub="root", roles=frozenset({"admin"}))
LEAD = Principal(sub="lea", roles=frozenset({"service", "manager"}), teams=("billing",), department="service")
AGENT = Principal(sub="ana", name="Ana Lima", roles=frozenset({"service"}), teams=("billing",), department="service")
TECH = Principal(sub="tom", roles=frozenset({"service"}), teams=("tech",), department="service")
SALES = Principal(sub="rep1", roles=frozenset({"sales"}), department="sales")

BODY = "Hello {{requester.name}}, about [#{{ticket.number}}] {{ ticket.subject }} ({{ticket.status}}). {{agent.name}}"


def macro(**kw: object) -> MacroIn:
    return MacroIn.model_validate({"name": "Greeting", "body": BODY, "scope": "team", "team": "billing", **kw})


# -- domain ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "{{ticket.owner}}",
        "{{customer.name}}",
        "{{ticket.subject|upper}}",
        "{{ticket.__class__}}",
        "{{ticket.items()}}",
        "{{ticket['subject']}}",
        "{% for x in ticket %}{{x}}{% endfor %}",
        "{{ 'literal' }}",
        "Hello {{requester.name",
    ],
)
def test_a_body_holds_known_placeholders_only(body: str) -> None:
    with pytest.raises(PlaceholderError):
        macros.placeholders(body)
    with pytest.raises(ValidationError):
        macro(body=body)


def test_render_fills_placeholders_from_the_dict_and_nothing_else() -> None:
    assert macros.placeholders(BODY) == [
        "requester.name",
        "ticket.number",
        "ticket.subject",
        "ticket.status",
        "agent.name",
    ]
    text = macros.render("{{csat_url}} {{agent.name}}", {"csat_url": "https://x/1", "agent": {"name": "Ana"}})
    assert text == "https://x/1 Ana"


def test_a_team_macro_needs_its_team_and_only_it_does() -> None:
    with pytest.raises(ValidationError):
        macro(team=None)
    with pytest.raises(ValidationError):
        macro(scope="global")
    assert macro(scope="personal", team=None).scope == "personal"


def test_article_state_machine() -> None:
    assert articles.move("draft", "publish") == "published"
    assert articles.move("published", "unpublish") == "draft"
    assert articles.move("published", "archive") == "archived"
    assert articles.move("archived", "restore") == "draft"
    with pytest.raises(InvalidTransition):
        articles.move("archived", "publish")
    with pytest.raises(InvalidTransition):
        articles.move("draft", "unpublish")


# -- macros ---------------------------------------------------------------------------


async def test_who_manages_and_who_uses_a_team_macro(c: Container) -> None:
    with pytest.raises(Forbidden):
        await c.macros.create(principal=AGENT, macro=macro())  # an agent: personal macros only
    with pytest.raises(Forbidden):
        await c.macros.create(principal=LEAD, macro=macro(team="tech"))  # not the lead's team
    with pytest.raises(Forbidden):
        await c.macros.create(principal=LEAD, macro=macro(scope="global", team=None))  # global: admins
    team = await c.macros.create(principal=LEAD, macro=macro())
    mine = await c.macros.create(principal=TECH, macro=macro(name="Mine", scope="personal", team=None))
    everyone = await c.macros.create(principal=ADMIN, macro=macro(name="All", scope="global", team=None))

    def names(docs: list[dict[str, object]]) -> set[object]:
        return {d["name"] for d in docs}

    assert names(await c.macros.visible(principal=AGENT)) == {"Greeting", "All"}
    assert names(await c.macros.visible(principal=TECH)) == {"Mine", "All"}
    assert names(await c.macros.visible(principal=SALES)) == set()
    assert names(await c.macros.visible(principal=ADMIN)) == {"Greeting", "Mine", "All"}
    with pytest.raises(Forbidden):
        await c.macros.get(principal=TECH, macro_id=team["_id"])
    with pytest.raises(Forbidden):
        await c.macros.get(principal=AGENT, macro_id=mine["_id"])
    with pytest.raises(Forbidden):
        await c.macros.replace(principal=AGENT, macro_id=everyone["_id"], expected_version=1, macro=macro())
    with pytest.raises(VersionConflict):
        await c.macros.replace(principal=LEAD, macro_id=team["_id"], expected_version=5, macro=macro(name="New"))
    changed = await c.macros.replace(principal=LEAD, macro_id=team["_id"], expected_version=1, macro=macro(name="New"))
    assert (changed["name"], changed["version"]) == ("New", 2)
    await c.macros.delete(principal=LEAD, macro_id=team["_id"], expected_version=2)
    with pytest.raises(NotFound):
        await c.macros.get(principal=LEAD, macro_id=team["_id"])
    assert names(await c.macros.visible(principal=AGENT)) == {"All"}


async def test_preview_renders_for_the_ticket_and_checks_both_permissions(c: Container) -> None:
    ticket, _ = await c.tickets.open(
        principal=AGENT,
        data=NewTicket.model_validate(
            {
                "customer_id": "c1",
                "subject": "Invoice twice",
                "channel": "email",
                "group": "billing",
                "requester_name": "Lena Wolf",
            }
        ),
    )
    saved = await c.macros.create(principal=LEAD, macro=macro(actions={"status": "pending"}))
    preview = await c.macros.preview(principal=AGENT, ticket_id=ticket.id, macro_id=saved["_id"])
    assert preview["body"] == f"Hello Lena Wolf, about [#{ticket_token(ticket.id)}] Invoice twice (new). Ana Lima"
    assert preview["actions"] == {"status": "pending", "priority": None}
    with pytest.raises(Forbidden):  # another team's agent: neither the macro nor the ticket
        await c.macros.preview(principal=TECH, ticket_id=ticket.id, macro_id=saved["_id"])

    everyone = await c.macros.create(principal=ADMIN, macro=macro(scope="global", team=None, body="{{csat_url}}"))
    assert (await c.macros.preview(principal=AGENT, ticket_id=ticket.id, macro_id=everyone["_id"]))["body"] == ""
    await c.tickets.move(principal=AGENT, ticket_id=ticket.id, expected_version=None, status="solved")
    solved = await c.macros.preview(principal=AGENT, ticket_id=ticket.id, macro_id=everyone["_id"])
    assert solved["body"].startswith(c.settings.csat_base_url)


# -- knowledge base ---------------------------------------------------------------------


def article(**kw: object) -> ArticleIn:
    return ArticleIn.model_validate({"title": "Reset your password", "body": "Open **Settings**.", **kw})


async def test_drafts_are_for_editors_and_publishing_for_managers(c: Container) -> None:
    with pytest.raises(Forbidden):
        await c.knowledge.create(principal=SALES, article=article())
    draft = await c.knowledge.create(principal=AGENT, article=article(tags=["Login", "login"]))
    assert (draft["state"], draft["version"], draft["tags"]) == ("draft", 1, ["login"])
    with pytest.raises(NotFound):
        await c.knowledge.get(principal=SALES, article_id=draft["id"])
    assert await c.knowledge.visible(principal=SALES, state=None, locale=None, tag=None) == []
    with pytest.raises(Forbidden):
        await c.knowledge.move(principal=AGENT, article_id=draft["id"], expected_version=1, action="publish")
    with pytest.raises(VersionConflict):
        await c.knowledge.move(principal=LEAD, article_id=draft["id"], expected_version=3, action="publish")
    published = await c.knowledge.move(principal=LEAD, article_id=draft["id"], expected_version=1, action="publish")
    assert published["state"] == "published"
    assert published["published_at"] is not None
    assert (await c.knowledge.get(principal=SALES, article_id=draft["id"]))["title"] == "Reset your password"
    link = await c.knowledge.link(principal=AGENT, article_id=draft["id"])
    assert link["url"] == f"{c.settings.kb_public_base}{draft['id']}"
    assert link["text"] == f"Reset your password: {link['url']}"
    archived = await c.knowledge.move(principal=ADMIN, article_id=draft["id"], expected_version=2, action="archive")
    with pytest.raises(articles.ArticleArchived):
        await c.knowledge.replace(principal=AGENT, article_id=draft["id"], expected_version=3, article=article())
    with pytest.raises(NotFound):
        await c.knowledge.link(principal=AGENT, article_id=archived["id"])


async def test_search_finds_published_articles_with_typos_and_in_chinese(c: Container) -> None:
    async def publish(a: ArticleIn) -> str:
        doc = await c.knowledge.create(principal=AGENT, article=a)
        await c.knowledge.move(principal=LEAD, article_id=doc["id"], expected_version=1, action="publish")
        return str(doc["id"])

    en = await publish(article(tags=["account"]))
    zh = await publish(article(title="如何重置密码", body="打开设置页面。", locale="zh-CN"))
    draft = await c.knowledge.create(principal=AGENT, article=article(title="Password policy draft"))

    async def found(q: str, locale: str | None = None) -> list[str]:
        return [h["id"] for h in await c.knowledge.search(text=q, locale=locale, limit=10)]

    assert await found("pasword") == [en]  # a typo; the draft is not searched
    assert await found("重置密码") == [zh]
    assert await found("settings") == [en]
    assert await found("account") == [en]
    assert await found("password", locale="zh-CN") == []
    await c.knowledge.move(principal=LEAD, article_id=draft["id"], expected_version=1, action="publish")
    assert sorted(await found("password")) == sorted([en, draft["id"]])  # a new generation: re-synced
    await c.knowledge.move(principal=LEAD, article_id=en, expected_version=2, action="unpublish")
    assert await found("pasword") == [draft["id"]]


async def test_search_snippets_are_plain_text_not_markdown(c: Container) -> None:
    body = "# Reset\n\nOpen **Settings → Security**, then [reset](https://help.example/r).\n\n- one `step`"
    doc = await c.knowledge.create(principal=AGENT, article=article(title="Reset", body=body))
    await c.knowledge.move(principal=LEAD, article_id=doc["id"], expected_version=1, action="publish")
    (hit,) = await c.knowledge.search(text="security", locale=None, limit=10)
    assert hit["snippet"] == "Reset Open Settings → Security, then reset. one step"
