"""``POST /customers/{id}/emails``: a logged sales e-mail on the customer's timeline."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from crm_contacts.entrypoints.http.deps import CallerDep, ContainerDep
from crm_contacts.service.email_log import EmailLogService, LoggedEmail

router = APIRouter(prefix="/customers", tags=["360"])


@router.post("/{customer_id}/emails", status_code=status.HTTP_201_CREATED)
async def log_email(
    customer_id: str, body: LoggedEmail, caller: CallerDep, c: ContainerDep, response: Response
) -> dict[str, str]:
    """Put an e-mail (who, when, subject, snippet) on the customer's timeline, once per
    message: 201, or 200 when it was already there. The e-mail gateway's account only."""
    service = EmailLogService(projection=c.services.projection, projections=c.repos.projections)
    event, added = await service.log(caller, customer_id, body)
    if added:
        c.hub.publish(event)  # live in the console (subscribers of this process)
    else:
        response.status_code = status.HTTP_200_OK
    return {"id": str(event["id"]), "customer_id": str(event["customerid"])}
