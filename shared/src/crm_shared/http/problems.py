"""Exception handlers that answer RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
from typing import Any

from aiokafka.errors import KafkaError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from crm_shared.errors import CrmError
from crm_shared.unavailable import infrastructure_unavailable

log = logging.getLogger(__name__)

UNAVAILABLE_RETRY_AFTER_S = 5
CLIENT_CLOSED_REQUEST = 499
"""What a client is told to wait when the store or the broker is away."""

PROBLEM_JSON = "application/problem+json"

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "version_conflict",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    408: "request_timeout",
    413: "payload_too_large",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:crm:problem:{code or _CODES.get(status, 'error')}",
        "title": title or detail,
        "status": status,
        "detail": detail,
        "code": code or _CODES.get(status, "error"),
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _clean_errors(raw: list[Any]) -> list[dict[str, Any]]:
    out = []
    for err in raw:
        loc = [p for p in err.get("loc", ()) if p != "body"]
        out.append({"loc": loc, "msg": err.get("msg", ""), "type": err.get("type", "value_error")})
    return out


async def _on_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem(422, "the request is not valid", errors=_clean_errors(list(exc.errors())))


async def _on_crm_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CrmError)
    return problem(exc.status, exc.detail, code=exc.code, title=exc.title, errors=exc.errors, **exc.extra)


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


def unavailable_problem(
    detail: str = "a store or broker this service needs is unavailable; retry shortly",
) -> JSONResponse:
    return problem(503, detail, code="unavailable", headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)})


async def _on_infrastructure(request: Request, exc: Exception) -> JSONResponse:
    """The store or the broker away is 503 + Retry-After: the client retries, nothing is
    wrong with its request. Other errors of those libraries go on to :func:`_on_unexpected`."""
    if not infrastructure_unavailable(exc):
        raise exc
    route = getattr(request.scope.get("route"), "path", "unmatched")
    log.warning("store or broker unavailable", extra={"route": route, "error": type(exc).__name__})
    return unavailable_problem()


async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    """A 500 is problem+json like every error; its text is logged by the server, never
    answered (it may name internals)."""
    return problem(500, "internal error; the failure was logged")


async def _on_client_gone(_: Request, exc: Exception) -> Response:
    """The client left while its body was read (a closed tab, a cancelled fetch): nobody to
    answer and nothing wrong here, so no 500 and no traceback (499: nginx's name for it)."""
    return Response(status_code=CLIENT_CLOSED_REQUEST)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, _on_client_gone)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(CrmError, _on_crm_error)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    for kind in (PyMongoError, KafkaError, TimeoutError, ConnectionError):
        app.add_exception_handler(kind, _on_infrastructure)
    app.add_exception_handler(Exception, _on_unexpected)
