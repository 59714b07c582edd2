from __future__ import annotations

import pytest
from crm_shared.errors import PreconditionRequired, VersionConflict
from crm_shared.http.etag import etag_for, expected_version


def test_round_trip() -> None:
    assert expected_version(etag_for(7)) == 7
    assert expected_version('W/"3"') == 3


def test_missing_if_match_is_428_when_required() -> None:
    with pytest.raises(PreconditionRequired):
        expected_version(None)
    assert expected_version(None, required=False) is None


def test_garbage_is_412() -> None:
    with pytest.raises(VersionConflict):
        expected_version('"abc"')
