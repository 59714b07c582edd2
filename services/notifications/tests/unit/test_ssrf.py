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


# Every IPv6 form that carries an IPv4 address (or is translated to one by a gateway we do
# not control), with the verdict: public only when the embedded address is public and the
# form is one whose translation is standard.
EMBEDDED_FORMS = [
    ("::127.0.0.1", False),  # IPv4-compatible (deprecated): refused whole
    ("::8.8.8.8", False),
    ("::ffff:127.0.0.1", False),  # IPv4-mapped
    ("::ffff:10.0.0.1", False),
    ("::ffff:0:127.0.0.1", False),  # SIIT IPv4-translated: refused whole
    ("::ffff:0:8.8.8.8", False),
    ("64:ff9b::127.0.0.1", False),  # well-known NAT64: the embedded address decides
    ("64:ff9b::a9fe:a9fe", False),  # 169.254.169.254
    ("64:ff9b::8.8.8.8", True),
    ("64:ff9b:1::7f00:1", False),  # local-use NAT64: refused whole
    ("64:ff9b:1::808:808", False),
    ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
    ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
    ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo
    ("2606:4700::1111", True),
]


@pytest.mark.parametrize(("address", "public"), EMBEDDED_FORMS)
def test_ipv4_embedding_forms(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public
    url = f"https://[{address}]/hook"
    if public:
        assert POLICY.check_url(url).host == address
    else:
        with pytest.raises(BlockedDestination):
            POLICY.check_url(url)


def test_a_redirect_stays_on_the_allow_listed_origin() -> None:
    import httpx

    policy = SsrfPolicy(["127.0.0.1"])
    origin = httpx.URL("http://127.0.0.1:8080/hook")
    assert policy.check_redirect("http://127.0.0.1:8080/next", origin=origin).path == "/next"
    for elsewhere in ("http://127.0.0.1:9200/_all", "http://127.0.0.1/", "https://127.0.0.1/"):
        with pytest.raises(BlockedDestination, match="allow-listed origin"):
            policy.check_redirect(elsewhere, origin=origin)
    # a public destination is checked as usual, whatever its port
    assert policy.check_redirect("https://hooks.example.com:8443/x", origin=origin).port == 8443
