"""Server-Sent Events: every event about one or several customers, live, resumable.

``GET /customers/{id}/events`` and ``GET /events?customer_id=a&customer_id=b``. The
first message is ``event: ready`` (the subscription is active). Then one message per
CloudEvent: ``id`` = event id, ``event`` = its type, ``data`` = the CloudEvent JSON.
After a reconnect, ``Last-Event-ID`` (header, or ``last_event_id`` query parameter)
replays what was missed: exactly, from this process's memory of recent events, or
else from the timeline (at least once: dedupe by id).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Annotated

import orjson
from crm_shared.errors import ValidationFailed
from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent

from crm_contacts.bootstrap import Container
from crm_contacts.domain.permissions import Action, require
from crm_contacts.entrypoints.http.deps import CallerDep, ContainerDep

router = APIRouter(tags=["live"])
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", max_length=100)]
LastEventIdQuery = Annotated[str | None, Query(max_length=100, description="Same as the Last-Event-ID header")]
DEDUPE_WINDOW = 2000


def _message(event: dict[str, object]) -> ServerSentEvent:
    return ServerSentEvent(data=orjson.dumps(event).decode(), id=str(event["id"]), event=str(event["type"]))


def stream(c: Container, customer_ids: Sequence[str], last_event_id: str | None) -> EventSourceResponse:
    ids = list(dict.fromkeys(customer_ids))

    async def messages() -> AsyncIterator[ServerSentEvent]:
        sub = c.hub.subscribe(ids)
        recent: deque[str] = deque(maxlen=DEDUPE_WINDOW)
        sent: set[str] = set()

        def fresh(event_id: str) -> bool:
            if event_id in sent:
                return False
            if len(recent) == recent.maxlen:
                sent.discard(recent[0])
            recent.append(event_id)
            sent.add(event_id)
            return True

        try:
            yield ServerSentEvent(data=orjson.dumps({"customer_ids": ids}).decode(), event="ready", retry=2000)
            if last_event_id:
                fresh(last_event_id)  # the client has it: a redelivered copy must not be sent again
                missed = c.hub.recent_after(ids, last_event_id)
                if missed is None:
                    missed = await c.services.view360.replay(ids, last_event_id)
                for event in missed:
                    if fresh(str(event["id"])):
                        yield _message(event)
            while (live_event := await sub.next()) is not None:
                if fresh(str(live_event["id"])):
                    yield _message(live_event)
        finally:
            c.hub.unsubscribe(sub)

    return EventSourceResponse(
        messages(), ping=c.settings.live_ping_s, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


@router.get("/customers/{customer_id}/events", response_class=EventSourceResponse)
async def customer_events(
    customer_id: str,
    c: ContainerDep,
    caller: CallerDep,
    last_event_id: LastEventId = None,
    last_event_id_q: Annotated[LastEventIdQuery, Query(alias="last_event_id")] = None,
) -> EventSourceResponse:
    customer = await c.services.customers.get(caller, customer_id)
    ids = [customer_id, *([customer.merged_into] if customer.merged_into else [])]
    return stream(c, ids, last_event_id or last_event_id_q)


@router.get("/events", response_class=EventSourceResponse)
async def events(
    c: ContainerDep,
    caller: CallerDep,
    customer_id: Annotated[list[str], Query(min_length=1)],
    last_event_id: LastEventId = None,
    last_event_id_q: Annotated[LastEventIdQuery, Query(alias="last_event_id")] = None,
) -> EventSourceResponse:
    require(caller.roles, Action.READ)
    if len(set(customer_id)) > c.settings.live_max_customers:
        raise ValidationFailed.field(["query", "customer_id"], f"at most {c.settings.live_max_customers} customers")
    return stream(c, customer_id, last_event_id or last_event_id_q)
