"""``/custom-fields``: the tenant's custom field definitions (admin writes, everyone reads)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from crm_contacts.domain.custom_fields import FieldDefinition, FieldSpec
from crm_contacts.entrypoints.http.deps import CallerDep, ServicesDep

router = APIRouter(prefix="/custom-fields", tags=["custom fields"])


@router.get("", response_model=list[FieldDefinition])
async def list_fields(caller: CallerDep, svc: ServicesDep) -> list[FieldDefinition]:
    return await svc.fields.list(caller)


@router.put("/{key}", response_model=FieldDefinition, responses={201: {"description": "Defined"}})
async def define_field(
    key: str, body: FieldSpec, caller: CallerDep, svc: ServicesDep, response: Response
) -> FieldDefinition:
    """Create or change a definition. A type cannot change and enum options cannot be removed (409)."""
    definition, created = await svc.fields.define(caller, key, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return definition


@router.delete("/{key}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_field(key: str, caller: CallerDep, svc: ServicesDep) -> Response:
    await svc.fields.delete(caller, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
