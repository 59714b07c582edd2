"""Every operation documents the problems it can answer, as application/problem+json."""

from __future__ import annotations

from typing import Any

from crm_shared.chassis import create_service_api
from crm_shared.http.deps import Offset
from crm_shared.http.openapi import STANDARD_PROBLEMS
from crm_shared.settings import CrmSettings
from fastapi import APIRouter


class _Nothing:
    async def start(self) -> None:
        return None

    async def readiness(self) -> dict[str, Any]:
        return {}

    async def close(self) -> None:
        return None


async def _nothing() -> _Nothing:
    return _Nothing()


def _spec() -> dict[str, Any]:
    router = APIRouter()

    @router.get("/things", responses={404: {"description": "No such list"}})
    async def things(offset: Offset = 0) -> list[str]:
        return []

    @router.post("/things")
    async def add(name: str) -> dict[str, str]:
        return {"name": name}

    app = create_service_api(CrmSettings(), title="t", routers=[router], container_factory=_nothing)
    return app.openapi()


def test_every_operation_documents_every_problem_as_problem_json() -> None:
    spec = _spec()
    assert "Problem" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert {(p, m) for p, m, _ in operations} >= {
        ("/things", "get"),
        ("/things", "post"),
        ("/admin/revocations", "post"),
    }
    for path, method, op in operations:
        for status in STANDARD_PROBLEMS:
            content = op["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (path, method, status)
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert "Retry-After" in op["responses"]["503"]["headers"]
    assert spec["paths"]["/things"]["get"]["responses"]["404"]["description"] == "No such list"
