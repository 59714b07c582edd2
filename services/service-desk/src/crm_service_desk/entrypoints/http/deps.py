"""The routers' own dependency: the container, typed (the rest is ``crm_shared.http.deps``)."""

from __future__ import annotations

from typing import Annotated

from crm_shared.http.deps import container_dependency
from fastapi import Depends

from crm_service_desk.bootstrap import Container

ContainerDep = Annotated[Container, Depends(container_dependency(Container))]
