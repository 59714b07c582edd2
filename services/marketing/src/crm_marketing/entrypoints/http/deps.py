"""Marketing's own FastAPI dependencies: its container."""

from __future__ import annotations

from typing import Annotated

from crm_shared.http.deps import container_dependency
from fastapi import Depends

from crm_marketing.bootstrap import Container

ContainerDep = Annotated[Container, Depends(container_dependency(Container))]
