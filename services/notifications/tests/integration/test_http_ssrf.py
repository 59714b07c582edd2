"""SSRF at send time against a real local HTTP server: redirects are re-checked per hop,
connections go to the address that was checked, refused destinations never connect."""

from __future__ import annotations

import pytest
from crm_notifications.adapters.http_client import SafeHttpClient
from crm_notifications.adapters.ssrf import BlockedDestination, SsrfPolicy
from pytest_httpserver import HTTPServer
from werkzeug import Response

pytestmark = pytest.mark.integration


def redirect(to: str, status: int = 307) -> Response:
    return Response("", status=status, headers={"Location": to})


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://2130706433/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest",
        "https://10.0.0.1/hook",
        "https://localhost/hook",
        "file:///etc/passwd",
    ],
)
async def test_refused_without_the_allow_list(url: str) -> None:
    client = SafeHttpClient(SsrfPolicy())
    try:
        with pytest.raises(BlockedDestination):
            await client.post(url, content=b"{}", headers={})
        with pytest.raises(BlockedDestination):
            await client.policy.check_url_resolved(url)
    finally:
        await client.aclose()


async def test_sink_reachable_only_when_allow_listed(sink: HTTPServer) -> None:
    sink.expect_request("/hook", method="POST").respond_with_data("ok")
    blocked = SafeHttpClient(SsrfPolicy())
    allowed = SafeHttpClient(SsrfPolicy(["127.0.0.1"]))
    try:
        with pytest.raises(BlockedDestination):
            await blocked.post(sink.url_for("/hook"), content=b"{}", headers={})
        assert sink.log == []  # refused before connecting
        assert (await allowed.post(sink.url_for("/hook"), content=b"{}", headers={})).status == 200
    finally:
        await blocked.aclose()
        await allowed.aclose()


@pytest.mark.parametrize(
    "target",
    [
        "https://10.0.0.1/steal",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:{port}/final",
        "http://localhost:{port}/final",
        "file:///etc/passwd",
    ],
)
async def test_redirect_to_a_private_address_is_refused(sink: HTTPServer, target: str) -> None:
    sink.expect_request("/start").respond_with_response(redirect(target.format(port=sink.port)))
    sink.expect_request("/final").respond_with_data("should never be reached")
    client = SafeHttpClient(SsrfPolicy(["127.0.0.1"]))  # the sink itself is allow-listed, the target is not
    try:
        with pytest.raises(BlockedDestination):
            await client.post(sink.url_for("/start"), content=b"{}", headers={})
    finally:
        await client.aclose()
    assert [entry[0].path for entry in sink.log] == ["/start"]


async def test_allowed_redirects_keep_the_post(sink: HTTPServer) -> None:
    sink.expect_request("/a", method="POST").respond_with_response(redirect("/b", 308))
    sink.expect_request("/b", method="POST").respond_with_data("done", status=202)
    client = SafeHttpClient(SsrfPolicy(["127.0.0.1"]), max_redirects=2)
    try:
        result = await client.post(sink.url_for("/a"), content=b'{"x":1}', headers={"content-type": "application/json"})
    finally:
        await client.aclose()
    assert (result.status, result.hops) == (202, 1)
    assert [(r.path, r.get_data()) for r, _ in sink.log] == [("/a", b'{"x":1}'), ("/b", b'{"x":1}')]


async def test_connects_to_the_checked_address_not_a_second_lookup(sink: HTTPServer) -> None:
    """``hooks.test`` exists only in our resolver: reaching the sink proves the connection
    used the address the policy resolved and checked."""
    calls: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    sink.expect_request("/hook").respond_with_data("ok")
    client = SafeHttpClient(SsrfPolicy(["hooks.test"], resolver=resolver))
    try:
        result = await client.post(f"http://hooks.test:{sink.port}/hook", content=b"{}", headers={})
    finally:
        await client.aclose()
    assert result.status == 200
    assert calls == ["hooks.test"]
    assert sink.log[0][0].headers["Host"] == f"hooks.test:{sink.port}"


async def test_an_allow_listed_host_may_not_redirect_to_another_of_its_ports(sink: HTTPServer) -> None:
    other = HTTPServer(host="127.0.0.1", port=0)
    other.start()
    try:
        other.expect_request("/admin").respond_with_data("should never be reached")
        sink.expect_request("/start").respond_with_response(redirect(f"http://127.0.0.1:{other.port}/admin"))
        client = SafeHttpClient(SsrfPolicy(["127.0.0.1"]))
        try:
            with pytest.raises(BlockedDestination, match="allow-listed origin"):
                await client.post(sink.url_for("/start"), content=b"{}", headers={})
        finally:
            await client.aclose()
        assert other.log == []
        assert [entry[0].path for entry in sink.log] == ["/start"]
    finally:
        other.stop()
