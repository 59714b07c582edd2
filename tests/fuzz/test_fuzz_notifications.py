"""schemathesis on notifications' OpenAPI, served on the real broker and store, as admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from crm_notifications.entrypoints.api import create_api
from crm_notifications.settings import NotificationsSettings

from .support import CHECKS, CONFIG, FUZZ_SETTINGS, HUGE, ServedApi, assert_refused, served_api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(crm_infra: Any) -> Iterator[ServedApi]:
    with served_api(crm_infra, NotificationsSettings, create_api) as served:
        yield served


# The document only: the app is served (and its container made) by the ``api`` fixture.
schema = schemathesis.openapi.from_dict(create_api(NotificationsSettings(env="test")).openapi(), config=CONFIG)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_and_documented_answers(case: Any, api: ServedApi) -> None:
    case.call_and_validate(base_url=api.base_url, headers=api.headers, checks=CHECKS)


def test_offsets_beyond_the_store_integers_are_422(api: ServedApi) -> None:
    assert_refused(api, "/deliveries", offset=HUGE)
