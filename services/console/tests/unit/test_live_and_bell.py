"""Change notices: who gets them (the owning service decides), resumption, the bell."""

from __future__ import annotations

import asyncio
from typing import Any

from crm_console.adapters.memory import InMemoryUserDocs, StaticRecordReader
from crm_console.domain.notices import notice_from_event
from crm_console.service.bell import Bell
from crm_console.service.live import LiveHub
from crm_console.service.visibility import VisibilityFilter


def deal_event(
    deal_id: str = "d1",
    *,
    owner: str = "ana",
    actor: str = "user:ben@sales",
    version: int = 2,
    event_type: str = "crm.deal.won",
    **data: Any,
) -> dict[str, Any]:
    return {
        "id": f"e-{deal_id}-{version}",
        "type": event_type,
        "subject": deal_id,
        "customerid": "c1",
        "sequence": version,
        "actor": actor,
        "time": "2026-12-02T03:00:00Z",
        "data": {"snapshot": {"id": deal_id, "name": "Big deal", "owner_id": owner, "stage": "won"}, **data},
    }


def test_a_notice_is_small_and_names_whom_it_concerns() -> None:
    notice = notice_from_event(deal_event(), 7)
    assert notice is not None
    payload = notice.payload(actor_name="Ben Okafor")
    assert payload == {
        "topic": "deal",
        "type": "crm.deal.won",
        "id": "d1",
        "customer_id": "c1",
        "version": 2,
        "time": "2026-12-02T03:00:00Z",
        "actor": {"id": "ben", "department": "sales", "name": "Ben Okafor"},
    }
    assert notice.concerned == {"ana"}
    assert notice.title == "Deal “Big deal” won"
    assert notice_from_event({"type": "crm.notification.delivered"}, 8) is None


def test_my_own_change_does_not_ring_my_bell_a_reassignment_rings_both() -> None:
    mine = notice_from_event(deal_event(actor="user:ana@sales"), 1)
    assert mine is not None
    assert mine.concerned == frozenset()
    event = {
        "id": "t",
        "type": "crm.ticket.assigned",
        "subject": "t1",
        "customerid": "c1",
        "sequence": 3,
        "actor": "user:liu.yang@service",
        "time": "x",
        "data": {"snapshot": {"id": "t1", "subject": "Printer", "assignee_id": "sara"}, "previous_assignee_id": "tom"},
    }
    notice = notice_from_event(event, 2)
    assert notice is not None
    assert notice.concerned == {"sara", "tom"}


async def test_visibility_asks_the_service_once_per_user_and_record_within_the_ttl() -> None:
    reader = StaticRecordReader({("tok-ana", "deal", "d1")})
    now = [0.0]
    visibility = VisibilityFilter(reader, ttl_s=5, now=lambda: now[0])
    answers = await asyncio.gather(
        *(visibility.may_see(user="ana", token="tok-ana", topic="deal", record_id="d1") for _ in range(5))
    )
    assert answers == [True] * 5
    assert len(reader.asked) == 1
    assert not await visibility.may_see(user="carlos", token="tok-carlos", topic="deal", record_id="d1")
    now[0] = 6
    assert await visibility.may_see(user="ana", token="tok-ana", topic="deal", record_id="d1")
    assert len(reader.asked) == 3


async def test_a_failing_service_means_not_visible() -> None:
    class Broken:
        async def can_read(self, token: str, *, topic: str, record_id: str) -> bool:
            raise OSError("down")

    assert not await VisibilityFilter(Broken()).may_see(user="a", token="t", topic="deal", record_id="d1")


async def test_resume_after_last_event_id_or_say_it_cannot() -> None:
    hub = LiveHub(recent=3, boot="b1")
    assert hub.recent_after(hub.event_id()) == []  # nothing happened since hello
    notices = [hub.publish_event(deal_event(f"d{i}")) for i in range(5)]
    assert all(notices)
    assert [n.id for n in hub.recent_after(hub.event_id(notices[2])) or []] == ["d3", "d4"]
    assert hub.recent_after(hub.event_id(notices[0])) is None  # forgotten: the tab refetches all
    assert hub.recent_after("other-3") is None  # another process's position
    sub = hub.subscribe()
    hub.publish_event(deal_event("d9"))
    nxt = await sub.next()
    assert nxt is not None
    assert nxt.id == "d9"
    hub.close()
    assert await sub.next() is None


async def test_the_bell_keeps_the_newest_items_per_user_once_each() -> None:
    docs = InMemoryUserDocs()
    bell = Bell(docs, keep=2)
    hub = LiveHub(boot="b")
    hub.on_notice(bell.on_notice)
    for version in (1, 2, 3):
        hub.publish_event(deal_event(version=version))
    hub.publish_event(deal_event(version=3))  # a redelivery
    await bell.drain()
    items = await bell.items(user="ana")
    assert [i["id"] for i in items] == ["e-d1-3", "e-d1-2"]
    assert items[0] | {"read": False} == items[0]
    assert items[0]["record_id"] == "d1"
    assert items[0]["customer_id"] == "c1"
    await bell.mark_read(user="ana", ids=["e-d1-2"])
    assert [i["read"] for i in await bell.items(user="ana")] == [False, True]
    assert await bell.items(user="ben") == []
