"""schemathesis on contacts' OpenAPI, served on the real broker and store, as admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from crm_contacts.entrypoints.api import create_api
from crm_contacts.settings import ContactsSettings

from .support import CHECKS, CONFIG, FUZZ_SETTINGS, ServedApi, assert_refused, served_api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(crm_infra: Any) -> Iterator[ServedApi]:
    with served_api(crm_infra, ContactsSettings, create_api, live_enabled=False) as served:
        yield served


# The document only: the app is served (and its container made) by the ``api`` fixture.
schema = schemathesis.openapi.from_dict(
    create_api(ContactsSettings(env="test", live_enabled=False)).openapi(), config=CONFIG
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_and_documented_answers(case: Any, api: ServedApi) -> None:
    case.call_and_validate(base_url=api.base_url, headers=api.headers, checks=CHECKS)


def test_bounds_are_said_not_silently_applied(api: ServedApi) -> None:
    assert_refused(api, "/customers", q="-- !!")  # nothing to search for (answered the unfiltered list)
    assert_refused(api, "/customers", limit=100000)
