"""``/users``: profiles (admin) and preferences (each user their own)."""

from __future__ import annotations

from crm_shared.auth import CurrentPrincipal
from crm_shared.http.deps import IfMatch, IfMatchOptional
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Response, status
from pydantic import Field

from crm_notifications.domain.models import ID_PATTERN, Preferences, User, UserSpec
from crm_notifications.entrypoints.http.deps import ContainerDep, Permitted

router = APIRouter(tags=["users"], dependencies=[Permitted])


class UserCreate(UserSpec):
    id: str = Field(pattern=ID_PATTERN, description="the user's id in the identity provider (token `sub`)")


def _out(response: Response, user: User) -> User:
    set_etag(response, user.version)
    return user


@router.get("/users")
async def list_users(principal: CurrentPrincipal, services: ContainerDep) -> list[User]:
    return await services.users.list(principal)


@router.post("/users", status_code=status.HTTP_201_CREATED)
async def create_user(
    body: UserCreate, principal: CurrentPrincipal, services: ContainerDep, response: Response
) -> User:
    spec = UserSpec(**body.model_dump(exclude={"id"}))
    return _out(response, await services.users.put(principal, body.id, spec, expected=None, create=True))


@router.get("/me")
async def me(principal: CurrentPrincipal, services: ContainerDep, response: Response) -> User:
    return _out(response, await services.users.get(principal, principal.sub))


@router.get("/users/{user_id}")
async def get_user(user_id: str, principal: CurrentPrincipal, services: ContainerDep, response: Response) -> User:
    return _out(response, await services.users.get(principal, user_id))


@router.put("/users/{user_id}")
async def replace_user(
    user_id: str,
    body: UserSpec,
    principal: CurrentPrincipal,
    services: ContainerDep,
    response: Response,
    version: IfMatch,
) -> User:
    user = await services.users.put(principal, user_id, body, expected=version, create=False)
    return _out(response, user)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(user_id: str, principal: CurrentPrincipal, services: ContainerDep, version: IfMatch) -> None:
    await services.users.delete(principal, user_id, expected=version)


@router.get("/users/{user_id}/preferences")
async def get_preferences(
    user_id: str, principal: CurrentPrincipal, services: ContainerDep, response: Response
) -> Preferences:
    user = await services.users.get(principal, user_id)
    set_etag(response, user.version)
    return user.preferences


@router.put("/users/{user_id}/preferences")
async def put_preferences(
    user_id: str,
    body: Preferences,
    principal: CurrentPrincipal,
    services: ContainerDep,
    response: Response,
    version: IfMatchOptional,
) -> Preferences:
    """``If-Match`` is optional here: a user editing their own settings wins the last write."""
    user = await services.users.set_preferences(principal, user_id, body, expected=version)
    set_etag(response, user.version)
    return user.preferences
