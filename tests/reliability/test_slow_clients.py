"""Issue 16 items 2 and 7 (413): slow uploads must not lock an API out, and an oversized
body is refused before it is read. Contacts' API runs as a process, clients speak raw
HTTP over sockets (a byte per second), as an attacker would."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from crm_devtools.services import process_specs
from crm_devtools.supervisor import start_services
from crm_shared.auth import mint_token
from crm_shared.settings import CrmSettings

pytestmark = [pytest.mark.e2e, pytest.mark.integration]  # a defect test: in make test too

SLOW_CLIENTS = 8  # = CRM_MAX_CONCURRENT_REQUESTS: before the fix they held every slot


async def _trickle(port: int, token: str, stop: asyncio.Event) -> bytes:
    """POST /customers announcing 100,000 bytes, sent one byte a second; what came back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            "POST /customers HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: 100000\r\n\r\n{{"
        ).encode()
    )
    await writer.drain()
    answer = b""
    try:
        while not stop.is_set():
            try:
                answer = await asyncio.wait_for(reader.read(4096), timeout=1.0)
            except TimeoutError:
                writer.write(b" ")
                await writer.drain()
                continue
            return answer
    except (ConnectionError, OSError):
        return answer
    finally:
        writer.close()
    return answer


async def test_slow_uploads_do_not_lock_the_api_out_and_huge_bodies_get_413(
    crm_env: dict[str, str], free_port: Any
) -> None:
    port = free_port()
    env = {**crm_env, "CRM_BODY_TIMEOUT_S": "6", "CRM_MAX_CONCURRENT_REQUESTS": str(SLOW_CLIENTS)}
    specs = process_specs(["contacts"], env=env, ports={"contacts": (port, free_port())}, roles=["api"])
    token = mint_token(CrmSettings(), sub="rep-1", roles=["sales"], department="sales")
    headers = {"Authorization": f"Bearer {token}"}
    with start_services(specs, health_timeout_s=120):
        stop = asyncio.Event()
        slow = [asyncio.create_task(_trickle(port, token, stop)) for _ in range(SLOW_CLIENTS)]
        await asyncio.sleep(1.5)  # every slow client has sent its headers and is trickling
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as client:
            statuses = []
            for _ in range(6):
                statuses.append((await client.get("/customers?limit=1")).status_code)
                await asyncio.sleep(0.5)
            assert statuses == [200] * 6, statuses

            started = time.monotonic()
            declared = await _post_huge(port, token, chunked=False)
            streamed = await _post_huge(port, token, chunked=True)
            assert time.monotonic() - started < 10
            for answer in (declared, streamed):
                assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
                assert b"application/problem+json" in answer

        answers = await asyncio.wait_for(asyncio.gather(*slow), timeout=30)  # the body timeout answers them
        stop.set()
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers


async def _post_huge(port: int, token: str, *, chunked: bool) -> bytes:
    """A 20 MB body, declared by Content-Length or streamed in chunks; the server must
    answer 413 without reading it all (it stops reading: what it answered is kept)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    size = 20 * 1024 * 1024
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    writer.write(
        (
            f"POST /customers HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\n{length}\r\n\r\n"
        ).encode()
    )
    chunk = b" " * 65536
    sent = 0
    try:
        while sent < size:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            await writer.drain()
            sent += len(chunk)
            try:
                return await asyncio.wait_for(reader.read(4096), timeout=0.01) or b"(closed)"
            except TimeoutError:
                continue
    except (ConnectionError, OSError):
        pass
    try:
        return await asyncio.wait_for(reader.read(4096), timeout=5)
    finally:
        writer.close()
