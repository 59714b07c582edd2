"""``GET /tickets/{id}/attachments/{attachment_id}``: a file an e-mail brought, as a download."""

from __future__ import annotations

from typing import Annotated

from crm_shared.http.deps import Caller
from fastapi import APIRouter, Path, Response

from crm_service_desk.domain.attachments import ID_PATTERN, content_disposition
from crm_service_desk.entrypoints.http.deps import ContainerDep

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.get(
    "/{ticket_id}/attachments/{attachment_id}",
    summary="Download an attachment of the ticket or of a comment you may see",
    response_class=Response,
    responses={200: {"description": "The file, with its stored content type", "content": {"*/*": {}}}},
)
async def download_attachment(
    ticket_id: str,
    attachment_id: Annotated[str, Path(pattern=ID_PATTERN)],
    principal: Caller,
    c: ContainerDep,
) -> Response:
    assert c.mail is not None
    found = await c.mail.attachments.download(principal=principal, ticket_id=ticket_id, attachment_id_=attachment_id)
    return Response(
        content=found.data,
        media_type=found.ref.content_type,
        headers={
            "Content-Disposition": content_disposition(found.ref.filename),
            "X-Content-Type-Options": "nosniff",
            # Opened directly anyway: no script, no plug-in, no same-origin access.
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )
