"""What schemathesis (tests/fuzz) found in service-desk: each a 500 or an undocumented answer before."""

from __future__ import annotations

import pytest
from crm_service_desk.domain.calendar import Calendar
from crm_service_desk.domain.sla import TargetRule
from crm_service_desk.entrypoints.api import create_api
from crm_service_desk.settings import ServiceDeskSettings
from pydantic import ValidationError


@pytest.mark.parametrize("field", ["first_response_s", "resolution_s"])
def test_targets_beyond_the_store_integers_are_refused(field: str) -> None:
    values = {"priority": "high", "first_response_s": 60, "resolution_s": 3600, field: 36201969990682103808}
    with pytest.raises(ValidationError):
        TargetRule.model_validate(values)


@pytest.mark.parametrize("zone", ["Ṱo invoke " * 40, "x" * 300, "../../etc/passwd"])
def test_a_zone_name_the_file_system_refuses_is_a_validation_error(zone: str) -> None:
    with pytest.raises(ValidationError):
        Calendar.model_validate({"timezone": zone})


def test_replays_and_creations_are_documented() -> None:
    paths = create_api(ServiceDeskSettings(env="test")).openapi()["paths"]
    assert "200" in paths["/tickets"]["post"]["responses"]
    assert "201" in paths["/groups/{name}"]["put"]["responses"]
