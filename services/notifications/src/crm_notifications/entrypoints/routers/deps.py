"""Shared router dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from crm_notifications.bootstrap import Container


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


Services = Annotated[Container, Depends(_container)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
