"""``/macros``: canned replies (admins and team leads manage, the team's agents use), and
``/tickets/{id}/macros/{macro_id}/preview``: a body rendered for one ticket."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.http.deps import Caller, IfMatch
from crm_shared.http.etag import set_etag
from crm_shared.runtime import public
from fastapi import APIRouter, Query, Response, status

from crm_service_desk.domain.macros import KNOWN, MacroIn
from crm_service_desk.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["macros"])


def _out(doc: dict[str, Any], response: Response | None = None) -> dict[str, Any]:
    if response is not None:
        set_etag(response, int(doc["version"]))
    return public({k: v for k, v in doc.items() if k != "deleted"}) or {}


@router.get("/macros", summary="The macros you may use (global, your teams', your own), by name")
async def list_macros(
    principal: Caller, c: ContainerDep, team: Annotated[str | None, Query(max_length=100)] = None
) -> dict[str, Any]:
    return {"items": [_out(d) for d in await c.macros.visible(principal=principal, team=team)], "placeholders": KNOWN}


@router.post("/macros", status_code=status.HTTP_201_CREATED, summary="Create a macro (422 on unknown placeholders)")
async def create_macro(body: MacroIn, principal: Caller, c: ContainerDep, response: Response) -> dict[str, Any]:
    doc = await c.macros.create(principal=principal, macro=body)
    response.headers["Location"] = f"/macros/{doc['_id']}"
    return _out(doc, response)


@router.get("/macros/{macro_id}")
async def get_macro(macro_id: str, principal: Caller, c: ContainerDep, response: Response) -> dict[str, Any]:
    return _out(await c.macros.get(principal=principal, macro_id=macro_id), response)


@router.put("/macros/{macro_id}", summary="Replace a macro (If-Match)")
async def replace_macro(
    macro_id: str, body: MacroIn, principal: Caller, c: ContainerDep, response: Response, version: IfMatch
) -> dict[str, Any]:
    assert version is not None
    doc = await c.macros.replace(principal=principal, macro_id=macro_id, expected_version=version, macro=body)
    return _out(doc, response)


@router.delete("/macros/{macro_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a macro (If-Match)")
async def delete_macro(macro_id: str, principal: Caller, c: ContainerDep, version: IfMatch) -> Response:
    assert version is not None
    await c.macros.delete(principal=principal, macro_id=macro_id, expected_version=version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/tickets/{ticket_id}/macros/{macro_id}/preview",
    summary="The macro's body rendered for this ticket, and its actions",
    description="Applying a macro is posting the previewed text as a comment (`POST /tickets/{id}/comments`).",
)
async def preview_macro(ticket_id: str, macro_id: str, principal: Caller, c: ContainerDep) -> dict[str, Any]:
    return await c.macros.preview(principal=principal, ticket_id=ticket_id, macro_id=macro_id)
