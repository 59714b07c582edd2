"""Public pages (no login, no cookie): the one-click unsubscribe of RFC 8058.

``POST /unsubscribe/{token}`` is what a mailbox provider sends for the
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` header (and what the page's
button sends); ``GET`` only shows the page, because link scanners fetch every URL in a
message and must not unsubscribe anyone.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from crm_shared.errors import Forbidden
from fastapi import APIRouter, Path, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from crm_marketing.domain.tracking import PIXEL
from crm_marketing.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["public"])
Token = Annotated[str, Path(min_length=10, max_length=400, pattern=r"^[A-Za-z0-9_\-.]+$")]

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
<h1>{title}</h1><p>{text}</p>{form}</body></html>"""


def _page(title: str, text: str, form: str = "") -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=escape(title), text=escape(text), form=form))


@router.get("/unsubscribe/{token}", response_class=HTMLResponse, summary="The unsubscribe page")
async def page(container: ContainerDep, token: Token) -> HTMLResponse:
    container.recipients.check(token)
    form = (
        f'<form method="post" action="{escape(token)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe / 退订</button></form>'
    )
    return _page("Unsubscribe", "Stop receiving these e-mails? 不再接收这些邮件?", form)


@router.get("/t/o/{token}", summary="The open-tracking image (public)", include_in_schema=False)
async def opened(container: ContainerDep, token: Token) -> Response:
    hit = container.tracking.read(token)
    if hit is not None:
        await container.sends.hit(hit.campaign_id, hit.customer_id, kind="o", at=container.clock())
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@router.get("/t/c/{token}", summary="A tracked link: counted, then redirected to where the campaign linked")
async def clicked(container: ContainerDep, token: Token) -> RedirectResponse:
    hit = container.tracking.read(token)
    if hit is None or not hit.target:
        raise Forbidden("this link is not valid")
    await container.sends.hit(hit.campaign_id, hit.customer_id, kind="c", at=container.clock())
    return RedirectResponse(hit.target, status_code=302)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse, summary="One-click unsubscribe (RFC 8058)")
async def unsubscribe(container: ContainerDep, token: Token) -> HTMLResponse:
    await container.recipients.unsubscribe(token)
    return _page("Unsubscribed", "You will not receive these e-mails any more. 您将不再收到这些邮件。")
