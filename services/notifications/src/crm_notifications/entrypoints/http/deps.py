"""Notifications' own router dependencies: its container, and the permission table
(``domain/permissions.py``) checked on every route before anything else."""

from __future__ import annotations

from typing import Annotated

from crm_shared.auth import CurrentPrincipal, Principal
from crm_shared.http.deps import container_dependency
from fastapi import Depends, Request
from fastapi.routing import APIRoute

from crm_notifications.bootstrap import Container
from crm_notifications.domain.permissions import PERMISSIONS, require

ContainerDep = Annotated[Container, Depends(container_dependency(Container))]


async def _permitted(request: Request, principal: CurrentPrincipal) -> Principal:
    """The route's rule from the table (a route without one is refused: deny by default)."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else ""
    require(PERMISSIONS.get((request.method, path)), principal, user_id=request.path_params.get("user_id"))
    return principal


Permitted = Depends(_permitted)
"""Every notifications router's dependency (``APIRouter(dependencies=[Permitted])``)."""
