"""Exception handlers that answer RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm_shared.errors import CrmError

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
    429: "too_many_requests",
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
    return problem(exc.status, exc.detail, code=exc.code, title=exc.title,
                   errors=exc.errors, **exc.extra)


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(CrmError, _on_crm_error)
    app.add_exception_handler(StarletteHTTPException, _on_http)
