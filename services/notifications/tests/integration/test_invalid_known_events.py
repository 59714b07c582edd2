"""A known event type whose data breaks its schema is poison: dead-lettered, nobody notified.
(It used to be accepted and routed with blanks.) Real store; the consumer runtime as the worker runs it."""

from __future__ import annotations

from typing import Any

import pytest
from crm_notifications.bootstrap import bootstrap
from crm_notifications.testing import fresh_event
from crm_shared.kafka.consumer import Outcome, RecordInfo

pytestmark = pytest.mark.integration


def record(event: Any) -> RecordInfo:
    return RecordInfo(
        topic="deal", partition=0, offset=1, key=event.customerid.encode(), value=event.to_bytes(), headers=[]
    )


def broken(event_type: str, **data: Any) -> Any:
    event = fresh_event(event_type)
    return event.model_copy(update={"data": {**event.data, **data}})


@pytest.mark.parametrize(
    "event",
    [
        broken("crm.deal.won", snapshot={"id": "d-1"}),  # a snapshot without its fields
        broken("crm.deal.won", snapshot="not a deal"),
        broken("crm.deal.stage_changed", snapshot=None),
    ],
    ids=["partial-snapshot", "snapshot-not-an-object", "no-snapshot"],
)
async def test_invalid_data_of_a_known_type_is_dead_lettered(make_settings: Any, topics: Any, event: Any) -> None:
    container = await bootstrap(make_settings(), role="worker", provision=False)
    try:
        outcome = await container.consumer("deal").handle(record(event))
        assert outcome is Outcome.DEAD_LETTERED
        valid = await container.consumer("deal").handle(record(fresh_event("crm.deal.won")))
        assert valid is Outcome.HANDLED
    finally:
        await container.close()
