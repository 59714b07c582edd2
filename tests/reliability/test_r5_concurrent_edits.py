"""R5: concurrent edit pairs. Two PATCHes of one customer with the same If-Match at
once: exactly one 200 and one 412 per pair, and the customer holds the winner's value at
version 2 (no lost update, no double apply)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_shared.topics import Topics

from .support import Result, size, token

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def test_r5_concurrent_edit_pairs_get_exactly_one_412(
    crm_env: dict[str, str], topics: Topics, free_port: Any, scenario: Result
) -> None:
    pairs = size(ci=50, small=200, full=1000)
    scenario.scenario, scenario.size = "R5 concurrent edit pairs", f"{pairs} pairs"
    port = free_port()
    specs = process_specs(["contacts"], env=crm_env, ports={"contacts": (port, free_port())}, roles=["api"])
    wrong: list[str] = []
    busy: list[str] = []
    with start_services(specs, health_timeout_s=120):
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=60, headers={"Authorization": f"Bearer {token()}"}
        ) as client:
            slots = asyncio.Semaphore(8)

            async def create(i: int) -> str:
                async with slots:
                    body = {"kind": "company", "display_name": f"R5 {i} {uuid.uuid4().hex[:6]}"}
                    answer = await client.post("/customers", json=body)
                    assert answer.status_code == 201, answer.text
                    return str(answer.json()["id"])

            ids = await asyncio.gather(*(create(i) for i in range(pairs)))

            async def patch(cid: str, value: str) -> httpx.Response:
                """As a client does: a 503 (busy, or the store briefly away) is asked again."""
                for _ in range(5):
                    answer = await client.patch(
                        f"/customers/{cid}", json={"industry": value}, headers={"If-Match": '"1"'}
                    )
                    if answer.status_code != 503:
                        return answer
                    busy.append(answer.text[:200])
                    await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
                return answer

            async def pair(i: int, cid: str) -> tuple[str, str | None]:
                values = (f"A{i}", f"B{i}")
                async with slots:
                    answers = await asyncio.gather(*(patch(cid, v) for v in values))
                codes = sorted(a.status_code for a in answers)
                if codes != [200, 412]:
                    wrong.append(f"{cid}: {codes}")
                winners = [v for v, a in zip(values, answers, strict=True) if a.status_code == 200]
                return cid, winners[0] if len(winners) == 1 else None

            started = time.monotonic()
            outcomes = await asyncio.gather(*(pair(i, cid) for i, cid in enumerate(ids)))
            scenario.notes.append(
                f"{2 * pairs} PATCHes in {time.monotonic() - started:.1f}s, {len(busy)} 503 asked again"
            )
            scenario.notes += sorted(set(busy))[:3]

            lost = duplicated = 0
            for cid, winner in outcomes:
                state = (await client.get(f"/customers/{cid}")).json()
                if state["version"] < 2:
                    lost += winner is not None  # an acknowledged edit is missing
                elif state["version"] > 2:
                    duplicated += 1
                elif winner is not None and state.get("industry") != winner:
                    wrong.append(f"{cid}: holds {state.get('industry')!r}, the 200 was {winner!r}")
    scenario.lost, scenario.duplicated, scenario.wrong, scenario.recovery_s = lost, duplicated, len(wrong), 0.0
    assert (lost, duplicated, wrong) == (0, 0, []), busy[:3]
