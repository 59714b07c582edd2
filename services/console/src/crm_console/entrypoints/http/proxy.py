"""``/api/{service}/{path}``: the services' APIs, called with the signed-in user's token."""

from __future__ import annotations

import logging

import httpx
from crm_shared.http.problems import problem
from crm_shared.logs import correlation_id
from fastapi import APIRouter, Request, Response

from crm_console.adapters.upstreams import BadUpstreamPath, forwarded_headers
from crm_console.entrypoints.http.deps import ContainerDep, SessionDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["proxy"])
MAX_BODY = 10 * 1024 * 1024


@router.api_route(
    "/api/{service}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def proxy(service: str, path: str, request: Request, c: ContainerDep, session: SessionDep) -> Response:
    if c.upstreams is None or not c.upstreams.known(service):
        return problem(404, f"no service {service!r} behind /api")
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return problem(413, "the request body is too large", code="too_large")
    body = await request.body()
    headers = forwarded_headers(request.headers, token=session.tokens.access_token, correlation_id=correlation_id.get())
    try:
        answer = await c.upstreams.forward(
            service=service, path=path, method=request.method, query=request.url.query, headers=headers, body=body
        )
    except BadUpstreamPath:
        return problem(400, "the path is not allowed")
    except httpx.TransportError as exc:
        log.warning("service not reachable", extra={"service": service, "error": type(exc).__name__})
        return problem(
            502, f"the {service} service is not reachable", code="upstream_unavailable", headers={"Retry-After": "2"}
        )
    return Response(answer.content, status_code=answer.status, headers=answer.headers)
