"""Web forms: definitions (editors) and the public token and submission endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from crm_shared.errors import ValidationFailed
from crm_shared.http.deps import Caller
from fastapi import APIRouter, Path, Request
from pydantic import ValidationError

from crm_marketing.domain.forms import FormIn, SubmissionIn
from crm_marketing.entrypoints.http.deps import ContainerDep

router = APIRouter(prefix="/forms", tags=["forms"])
FormId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


def _client(request: Request) -> str:
    # The direct peer: behind a proxy, uvicorn's --forwarded-allow-ips makes this the visitor.
    return request.client.host if request.client else "unknown"


@router.post("", status_code=201, summary="Create a form; the answer holds its embeddable HTML")
async def create(container: ContainerDep, caller: Caller, body: FormIn) -> dict[str, Any]:
    return await container.forms.create(caller=caller, body=body)


@router.get("/{form_id}/token", summary="A fresh form token (public; the snippet fetches it)")
async def token(container: ContainerDep, form_id: FormId, request: Request) -> dict[str, str]:
    return {"token": await container.forms.token(form_id=form_id, client=_client(request))}


@router.post("/{form_id}/submissions", status_code=201, summary="A visitor's submission (public): one lead")
async def submit(container: ContainerDep, form_id: FormId, request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    try:
        raw: Any = (
            dict(await request.form()) if content_type.startswith(("application/x-www-form-urlencoded", "multipart/"))
            else await request.json()
        )  # fmt: skip
        if isinstance(raw, dict) and isinstance(raw.get("consent"), str):
            raw["consent"] = raw["consent"].lower() in ("true", "on", "1", "yes")
        body = SubmissionIn.model_validate(raw)
    except ValueError as exc:  # bad JSON, or the fields (pydantic's error is a ValueError)
        errors = exc.errors(include_input=False, include_url=False) if isinstance(exc, ValidationError) else []
        raise ValidationFailed("the submission is not valid", errors=[dict(e) for e in errors]) from None
    return await container.forms.submit(form_id=form_id, body=body, client=_client(request))
