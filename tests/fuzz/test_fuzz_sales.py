"""schemathesis on sales' OpenAPI, served on the real broker and store, as admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from crm_contacts.entrypoints.api import create_api as create_contacts_api
from crm_contacts.settings import ContactsSettings
from crm_sales.entrypoints.api import create_api
from crm_sales.settings import SalesSettings

from .support import CHECKS, CONFIG, FUZZ_SETTINGS, HUGE, ServedApi, assert_refused, served_api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(crm_infra: Any) -> Iterator[ServedApi]:
    # Sales asks contacts for customers its replica does not hold: a real contacts, or every
    # such request would rightly answer 503 (dependency unavailable).
    with (
        served_api(crm_infra, ContactsSettings, create_contacts_api, live_enabled=False) as contacts,
        served_api(crm_infra, SalesSettings, create_api, contacts_url=contacts.base_url) as served,
    ):
        yield served


# The document only: the app is served (and its container made) by the ``api`` fixture.
schema = schemathesis.openapi.from_dict(create_api(SalesSettings(env="test")).openapi(), config=CONFIG)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_and_documented_answers(case: Any, api: ServedApi) -> None:
    case.call_and_validate(base_url=api.base_url, headers=api.headers, checks=CHECKS)


@pytest.mark.parametrize("path", ["/deals", "/leads", "/activities"])
def test_offsets_beyond_the_store_integers_are_422(api: ServedApi, path: str) -> None:
    assert_refused(api, path, offset=HUGE)
