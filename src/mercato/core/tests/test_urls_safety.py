"""URLs Mercato stores and may fetch go to public http(s) hosts only (no server-side request
forgery), however the host is written. No network: literal addresses, names refused before
any lookup, `localhost` (which resolves on this machine), and a stand-in resolver."""

import ipaddress
import socket

import pytest

from mercato.core import urls_safety
from mercato.core.urls_safety import UnsafeUrl, check_public_url, resolve_public

PUBLIC = [
    "https://93.184.216.34/a.png",
    "http://8.8.8.8:8080/a.png",
    "https://[2606:4700::1111]/a.png",
    "https://img.test/a.png",  # never resolves (RFC 6761): no lookup, nothing to refuse
    "HTTPS://IMG.TEST/A.PNG",
    "  https://img.test/a.png  ",
]

REFUSED = {
    # schemes
    "ftp://93.184.216.34/a.png": "http or https",
    "file:///etc/passwd": "http or https",
    "javascript:alert(1)": "http or https",
    "gopher://93.184.216.34:70/": "http or https",
    "//93.184.216.34/a.png": "http or https",
    # loopback, however written
    "http://127.0.0.1/": "loopback",
    "http://127.0.0.1.:8000/": "loopback",
    "http://2130706433/": "loopback",  # decimal integer
    "http://0x7f000001/": "loopback",  # hex integer
    "http://017700000001/": "loopback",  # octal integer
    "http://0177.0.0.1/": "loopback",  # octal part
    "http://0x7f.0.0.1/": "loopback",  # hex part
    "http://127.1/": "loopback",  # short form
    "http://[::1]/": "loopback",
    "http://[::ffff:127.0.0.1]/": "loopback",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/": "loopback",
    "http://[64:ff9b::7f00:1]/": "loopback",  # NAT64
    "http://[2002:7f00:1::]/": "loopback",  # 6to4
    "http://127\u30020\u30020\u30021/": "loopback",  # ideographic full stops
    "http://localhost/": "this machine",
    "http://LOCALHOST./": "this machine",
    "http://shop.localhost/": "this machine",
    # private, shared, link-local, unspecified, multicast, reserved
    "http://10.0.0.1/": "private",
    "http://172.16.5.4/": "private",
    "http://192.168.1.1/": "private",
    "http://100.64.0.1/": "private",
    "http://[fc00::1]/": "private",
    "http://[fe80::1%25eth0]/": "link-local",
    "http://0.0.0.0/": "private",
    "http://0/": "private",
    "http://[::]/": "private",
    "http://224.0.0.1/": "multicast",
    "http://[ff02::1]/": "multicast",
    "http://255.255.255.255/": "private",
    "http://240.0.0.1/": "private",
    # cloud metadata
    "http://169.254.169.254/latest/meta-data/": "metadata",
    "http://[fd00:ec2::254]/": "metadata",
    "http://metadata.google.internal/computeMetadata/v1/": "metadata",
    "http://metadata/": "metadata",
    "http://100.100.100.200/": "metadata",
    "http://[::ffff:169.254.169.254]/": "metadata",
    # the local network by name
    "http://router/": "full domain name",
    "http://printer.local/": "local network",
    "http://db.internal/": "local network",
    # confusing forms
    "http://999.1.1.1/": "not a valid address",
    "http://08.0.0.1/": "not a valid address",
    "http://1.2.3.4.5/": "not a valid address",
    "http://93.184.216.34@127.0.0.1/": "user name",
    "http://user:pw@img.test/": "user name",
    "http://img.test\\@127.0.0.1/": "backslashes",
    "http://img.test /": "spaces",
    "http://img.test/a\nb": "control",
    "http://8.8.8.8:99999/": "not valid",
    "http:///a.png": "no host",
    "": "http or https",
}


@pytest.mark.parametrize("url", PUBLIC)
def test_public_urls_pass(url):
    assert check_public_url(url) == url.strip()


@pytest.mark.parametrize(("url", "reason"), REFUSED.items(), ids=list(REFUSED))
def test_unsafe_urls_are_refused(url, reason):
    with pytest.raises(UnsafeUrl) as caught:
        check_public_url(url, field="image_url")

    assert caught.value.status == 422
    assert caught.value.code == "unsafe_url"
    assert caught.value.extra["errors"][0]["field"] == "image_url"
    assert reason in str(caught.value)


def test_localhost_resolves_to_loopback_and_is_refused():
    with pytest.raises(UnsafeUrl):
        resolve_public("localhost", 80)


def test_a_name_that_does_not_resolve_gives_no_address_to_connect_to():
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        resolve_public("nothing.invalid", 443)


@pytest.fixture
def dns(monkeypatch):
    """A stand-in for the DNS (outside this machine): name -> addresses."""
    answers: dict[str, list[str]] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in answers[host]
        ]

    monkeypatch.setattr(urls_safety.socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_name_that_resolves_to_a_private_address_is_refused(dns):
    dns["rebind.shop-images.com"] = ["93.184.216.34", "10.0.0.5"]  # any private one is enough
    dns["meta.shop-images.com"] = ["169.254.169.254"]
    dns["v6.shop-images.com"] = ["::ffff:127.0.0.1"]

    for host in dns:
        with pytest.raises(UnsafeUrl, match=r"private|loopback|metadata"):
            check_public_url(f"https://{host}/a.png")


def test_a_public_name_passes_and_resolve_public_gives_its_addresses(dns):
    dns["cdn.shop-images.com"] = ["93.184.216.34", "2606:4700::1111"]

    assert check_public_url("https://cdn.shop-images.com/a.png")
    assert resolve_public("cdn.shop-images.com", 443) == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:4700::1111"),
    ]


def test_a_name_that_does_not_resolve_now_is_accepted(dns):
    assert check_public_url("https://not-yet.shop-images.com/a.png")


def test_without_resolve_no_lookup_happens(dns):
    dns["rebind.shop-images.com"] = ["10.0.0.5"]

    assert check_public_url("https://rebind.shop-images.com/a.png", resolve=False)
