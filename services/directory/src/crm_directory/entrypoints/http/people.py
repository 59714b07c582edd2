"""``/users`` and ``/teams``: the directory, managed by admins, read by everyone signed in."""

from __future__ import annotations

from typing import Annotated

from crm_shared.auth import CurrentPrincipal
from crm_shared.events.directory import TeamSnapshot, UserSnapshot
from crm_shared.http.deps import IfMatch, IfMatchOptional
from crm_shared.http.etag import set_etag
from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict

from crm_directory.domain.people import Id, NewTeam, NewUser, TeamFields, UserProfile
from crm_directory.entrypoints.http.deps import ContainerDep

router = APIRouter(tags=["directory"])
UserId = Annotated[str, Path(min_length=1, max_length=64)]


class Page(BaseModel):
    items: list[UserSnapshot]


class TeamPage(BaseModel):
    items: list[TeamSnapshot]


class Active(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool


class Membership(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team_id: Id


@router.get("/users", response_model=Page)
async def list_users(c: ContainerDep, _: CurrentPrincipal) -> Page:
    return Page(items=await c.directory.list_users())


@router.post("/users", status_code=201, response_model=UserSnapshot)
async def create_user(body: NewUser, c: ContainerDep, p: CurrentPrincipal, response: Response) -> UserSnapshot:
    user = await c.directory.create_user(by=p, user=body)
    set_etag(response, user.version)
    return user


@router.post("/users:provision", response_model=UserSnapshot)
async def provision(body: NewUser, c: ContainerDep, p: CurrentPrincipal, response: Response) -> UserSnapshot:
    """First sign-in: the user as the directory knows them, created from the claims if new;
    403 for a deactivated user (the console refuses the sign-in)."""
    user, created = await c.directory.provision(by=p, user=body)
    response.status_code = 201 if created else 200
    set_etag(response, user.version)
    return user


@router.get("/users/{user_id}", response_model=UserSnapshot)
async def get_user(user_id: UserId, c: ContainerDep, _: CurrentPrincipal, response: Response) -> UserSnapshot:
    user = await c.directory.user(user_id)
    set_etag(response, user.version)
    return user


@router.patch("/users/{user_id}", response_model=UserSnapshot)
async def update_user(
    user_id: UserId, body: UserProfile, c: ContainerDep, p: CurrentPrincipal, if_match: IfMatch, response: Response
) -> UserSnapshot:
    assert if_match is not None
    user = await c.directory.update_user(by=p, user_id=user_id, profile=body, expected_version=if_match)
    set_etag(response, user.version)
    return user


@router.put("/users/{user_id}/active", response_model=UserSnapshot)
async def set_active(
    user_id: UserId, body: Active, c: ContainerDep, p: CurrentPrincipal, if_match: IfMatch, response: Response
) -> UserSnapshot:
    """Deactivate (``{"active": false}``): tokens revoked within seconds, no sign-in, no
    notifications; or reactivate."""
    assert if_match is not None
    user = await c.directory.set_active(by=p, user_id=user_id, active=body.active, expected_version=if_match)
    set_etag(response, user.version)
    return user


@router.post("/users/{user_id}/teams", response_model=UserSnapshot)
async def join_team(
    user_id: UserId, body: Membership, c: ContainerDep, p: CurrentPrincipal, if_match: IfMatchOptional
) -> UserSnapshot:
    return await c.directory.set_membership(
        by=p, user_id=user_id, team_id=body.team_id, member=True, expected_version=if_match
    )


@router.delete("/users/{user_id}/teams/{team_id}", response_model=UserSnapshot)
async def leave_team(
    user_id: UserId, team_id: UserId, c: ContainerDep, p: CurrentPrincipal, if_match: IfMatchOptional
) -> UserSnapshot:
    return await c.directory.set_membership(
        by=p, user_id=user_id, team_id=team_id, member=False, expected_version=if_match
    )


@router.get("/teams", response_model=TeamPage)
async def list_teams(c: ContainerDep, _: CurrentPrincipal) -> TeamPage:
    return TeamPage(items=await c.directory.list_teams())


@router.post("/teams", status_code=201, response_model=TeamSnapshot)
async def create_team(body: NewTeam, c: ContainerDep, p: CurrentPrincipal, response: Response) -> TeamSnapshot:
    team = await c.directory.create_team(by=p, team=body)
    set_etag(response, team.version)
    return team


@router.get("/teams/{team_id}", response_model=TeamSnapshot)
async def get_team(team_id: UserId, c: ContainerDep, _: CurrentPrincipal, response: Response) -> TeamSnapshot:
    team = await c.directory.team(team_id)
    set_etag(response, team.version)
    return team


@router.patch("/teams/{team_id}", response_model=TeamSnapshot)
async def update_team(
    team_id: UserId, body: TeamFields, c: ContainerDep, p: CurrentPrincipal, if_match: IfMatch, response: Response
) -> TeamSnapshot:
    assert if_match is not None
    team = await c.directory.update_team(by=p, team_id=team_id, fields=body, expected_version=if_match)
    set_etag(response, team.version)
    return team
