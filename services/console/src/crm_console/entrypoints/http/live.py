"""``GET /api/live``: one stream per tab of change notices about records the user may see.

``hello`` first (``resumed``: whether what was missed since ``Last-Event-ID`` follows; if
not, the tab refetches what it shows), then ``change`` messages. The visibility of each
notice is asked of the owning service (``crm_console.service.visibility``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from crm_shared.demo import demo_user
from fastapi import APIRouter, Header, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from crm_console.bootstrap import Container
from crm_console.domain.notices import Notice
from crm_console.domain.sessions import Session
from crm_console.entrypoints.http.deps import ContainerDep, SessionDep, session_id_from

router = APIRouter(tags=["live"])
SESSION_RECHECK_S = 30.0


class _Viewer:
    """The stream's user; the session is re-read now and then (a fresh token, a sign-out)."""

    def __init__(self, c: Container, session: Session, session_id: str | None) -> None:
        self._c, self.session, self._sid, self._read_at = c, session, session_id, time.monotonic()

    async def still_signed_in(self) -> bool:
        if time.monotonic() - self._read_at > SESSION_RECHECK_S or self.session.token_stale(time.time()):
            current = await self._c.sessions.current(session_id=self._sid)
            if current is None:
                return False
            self.session, self._read_at = current, time.monotonic()
        return True

    async def may_see(self, notice: Notice) -> bool:
        return await self._c.visibility.may_see(
            user=self.session.profile.sub,
            token=self.session.tokens.access_token,
            topic=notice.topic,
            record_id=notice.id,
        )


def _change(c: Container, notice: Notice) -> ServerSentEvent:
    user = demo_user(notice.actor_id) if c.settings.sign_in_mode == "development" else None
    data = notice.payload(actor_name=user.name if user else None)
    return ServerSentEvent(data=orjson.dumps(data).decode(), id=c.hub.event_id(notice), event="change")


@router.get("/api/live", response_class=EventSourceResponse)
async def live(
    request: Request,
    c: ContainerDep,
    session: SessionDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=100)] = None,
) -> EventSourceResponse:
    viewer = _Viewer(c, session, session_id_from(request, c))

    async def messages() -> AsyncIterator[ServerSentEvent]:
        sub = c.hub.subscribe()
        missed = c.hub.recent_after(last_event_id) if last_event_id else None
        # resumed: no id on hello, so a drop during the replay resumes from the last replayed one
        hello_id = None if missed is not None else c.hub.event_id()
        try:
            yield ServerSentEvent(
                data=orjson.dumps({"resumed": missed is not None}).decode(), event="hello", id=hello_id, retry=2000
            )
            for notice in missed or []:
                if await viewer.may_see(notice):
                    yield _change(c, notice)
            while (live_notice := await sub.next()) is not None:
                if not await viewer.still_signed_in():
                    return
                if await viewer.may_see(live_notice):
                    yield _change(c, live_notice)
        finally:
            c.hub.unsubscribe(sub)

    return EventSourceResponse(
        messages(), ping=c.settings.live_ping_s, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
