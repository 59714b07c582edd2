"""The API builds and documents every route (no I/O: the container is made in the lifespan)."""

from __future__ import annotations

from crm_service_desk.entrypoints.api import create_api
from crm_service_desk.settings import ServiceDeskSettings


def test_openapi_lists_the_routes() -> None:
    spec = create_api(ServiceDeskSettings()).openapi()
    assert {
        "/tickets",
        "/tickets/{ticket_id}",
        "/tickets/{ticket_id}/status",
        "/tickets/{ticket_id}/assignment",
        "/tickets/{ticket_id}/comments",
        "/sla-policies",
        "/groups/{name}",
        "/csat/{token}",
        "/ticket-metrics",
        "/replica/status",
    } <= set(spec["paths"])
    assert "security" not in spec["paths"]["/csat/{token}"]["post"]  # the survey needs no login


def test_production_refuses_the_default_csat_secret() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="CSAT_SECRET"):
        ServiceDeskSettings(env="production", jwt_secret="x" * 40)
    real = {"jwt_secret": "x" * 40, "csat_secret": "y" * 40, "mail_log_secret": "z" * 40}
    assert ServiceDeskSettings(env="production", **real).csat_ttl_s > 0
