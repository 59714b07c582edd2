"""The in-process fan-out behind the SSE streams."""

from __future__ import annotations

import asyncio

from crm_contacts.adapters.live import LiveHub


def ev(i: int, customer: str, type_: str = "crm.customer.updated", **data: object) -> dict[str, object]:
    return {"id": f"e{i}", "type": type_, "customerid": customer, "data": data}


async def test_subscribers_get_their_customers_events_in_order() -> None:
    hub = LiveHub()
    a, ab = hub.subscribe(["a"]), hub.subscribe(["a", "b"])
    for i, c in enumerate("abca"):
        hub.publish(ev(i, c))
    assert [e["id"] for e in [await a.next(), await a.next()]] == ["e0", "e3"]
    assert [(await ab.next() or {})["id"] for _ in range(3)] == ["e0", "e1", "e3"]
    hub.unsubscribe(a)
    assert hub.subscribers == 1


async def test_a_merge_reaches_subscribers_of_the_merged_away_id() -> None:
    hub = LiveHub()
    dup = hub.subscribe(["dup"])
    hub.publish(ev(1, "survivor", "crm.customer.merged", merged_ids=["dup"]))
    assert (await dup.next() or {})["id"] == "e1"


async def test_resume_from_memory_and_overflow_and_close() -> None:
    hub = LiveHub(recent=10, queue_limit=2)
    for i in range(5):
        hub.publish(ev(i, "a" if i % 2 == 0 else "b"))
    assert [e["id"] for e in hub.recent_after(["a"], "e0") or []] == ["e2", "e4"]
    assert hub.recent_after(["a"], "unknown") is None
    slow = hub.subscribe(["a"])
    for i in range(3):
        hub.publish(ev(10 + i, "a"))
    assert await slow.next() is None  # lost events: the stream ends, the client resumes
    waiting = hub.subscribe(["a"])
    task = asyncio.create_task(waiting.next())
    await asyncio.sleep(0)
    hub.close()
    assert await task is None
