"""The SSRF policy: static URL checks and resolved-address checks (no network)."""

from __future__ import annotations

import ipaddress

import pytest
from crm_notifications.adapters.ssrf import BlockedDestination, SsrfPolicy, is_public, literal_address, system_resolver


def fake_resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


POLICY = SsrfPolicy(
    resolver=fake_resolver(
        {
            "hooks.example.com": ["93.184.216.34"],
            "rebind.example.com": ["93.184.216.34", "127.0.0.1"],
            "internal.example.com": ["10.1.2.3"],
            "v6.example.com": ["2606:4700::6810:85e5"],
            "mapped.example.com": ["::ffff:127.0.0.1"],
        }
    )
)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://2130706433/hook",
        "https://0x7f000001/",
        "https://127.1/",
        "https://017700000001/",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://10.0.0.1/",
        "https://192.168.1.1/",
        "https://172.16.0.1/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://[::]/",
        "https://224.0.0.1/",
        "https://[::ffff:127.0.0.1]/",
        "https://[64:ff9b::a00:1]/",
        "https://[2002:7f00:1::]/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "ftp://example.com/",
        "http://hooks.example.com/plain-http",
        "https://user:pw@hooks.example.com/",
        "https:///nohost",
        "not a url",
    ],
)
def test_refused_statically(url: str) -> None:
    with pytest.raises(BlockedDestination):
        POLICY.check_url(url)


def test_public_https_passes_static_check() -> None:
    assert POLICY.check_url("https://hooks.example.com/services/T0/B0/x").host == "hooks.example.com"


@pytest.mark.parametrize(
    "host", ["rebind.example.com", "internal.example.com", "mapped.example.com", "nowhere.invalid"]
)
async def test_refused_when_any_resolved_address_is_not_public(host: str) -> None:
    with pytest.raises(BlockedDestination):
        await POLICY.resolve(host, 443)


async def test_resolved_public_addresses_are_returned_to_connect_to() -> None:
    assert await POLICY.resolve("hooks.example.com", 443) == ["93.184.216.34"]
    assert await POLICY.resolve("v6.example.com", 443) == ["2606:4700::6810:85e5"]


async def test_localhost_resolves_to_loopback_and_is_refused() -> None:
    policy = SsrfPolicy(resolver=system_resolver)
    with pytest.raises(BlockedDestination, match="non-public"):
        await policy.check_url_resolved("https://localhost/hook")


async def test_allow_list_admits_a_private_host_and_plain_http() -> None:
    policy = SsrfPolicy(["127.0.0.1", "hooks.internal"], resolver=fake_resolver({"hooks.internal": ["10.0.0.5"]}))
    assert policy.check_url("http://127.0.0.1:8080/x").port == 8080
    assert await policy.resolve("hooks.internal", 80) == ["10.0.0.5"]
    with pytest.raises(BlockedDestination):
        policy.check_url("http://127.0.0.2/x")  # only what is listed


def test_address_classification() -> None:
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    for bad in ("127.0.0.1", "169.254.169.254", "fd00:ec2::254", "::1", "fe80::1", "10.0.0.1", "::ffff:10.0.0.1"):
        assert not is_public(ipaddress.ip_address(bad)), bad
    assert literal_address("2130706433") == ipaddress.ip_address("127.0.0.1")
    assert literal_address("example.com") is None
