"""URLs that the shop stores and that a server may one day fetch (product media, webhooks):
http(s) to public hosts only, so nobody can point Mercato at itself, the private network or
a cloud metadata service (server-side request forgery).

`check_public_url` validates a URL when it is given: the scheme, the host written in any form
a resolver accepts (dotted, integer, octal or hex IPv4, IPv6, IPv4-mapped IPv6), and every
address the host name resolves to now. A name that does not resolve now is accepted (nothing
to judge); that is why code that fetches a URL must call `resolve_public` again at connection
time, connect only to the addresses it returns, and check every redirect's URL the same way
(DNS answers change).
"""

import ipaddress
import re
import socket
from urllib.parse import SplitResult, urlsplit

from mercato.core.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = {"http": 80, "https": 443}
# Cloud metadata services, by name (their addresses are link-local or private anyway).
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data"}
)
# Names that mean this machine or the local network, never the internet.
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")
# Names that never resolve (RFC 2606, RFC 6761): no lookup needed.
UNRESOLVABLE_SUFFIXES = (".test", ".example", ".invalid")
# 64:ff9b::/96 (NAT64) carries an IPv4 address in its last 32 bits.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_NUMERIC_LABEL = re.compile(r"(0[xX][0-9a-fA-F]*|[0-9]+)")
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


class UnsafeUrl(InvalidInput):
    code, title = "unsafe_url", "The URL is not allowed"


def _refuse(message: str, field: str) -> UnsafeUrl:
    return UnsafeUrl(message, field=field)


def is_public_address(address: Address) -> bool:
    """Whether an address is on the public internet: not loopback, private, link-local,
    multicast, unspecified, reserved, documentation, shared (CGNAT) or metadata, also when
    an IPv6 address carries an IPv4 one (mapped, 6to4, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(embedded):
            return False
        if address.ipv4_mapped is not None:
            return True
    return address.is_global and not address.is_multicast


def _ipv4_number(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address of a host written as resolvers read it (inet_aton): 1 to 4 dotted
    parts, each decimal, octal (0177) or hex (0x7f), the last filling the remaining bytes:
    `2130706433`, `0x7f.1`, `127.1`. None if the host is not written so."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(p) for p in parts):
        return None
    numbers = [
        int(p[2:] or "0", 16) if p[:2].lower() == "0x" else int(p, 8 if p[0] == "0" else 10)
        for p in parts
    ]
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for position, number in enumerate(leading):
        value |= number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def _literal_address(host: str, field: str) -> Address | None:
    """The address a host names literally, or None for a name. A host that looks numeric but
    is no address (`999.1.1.1`, `08.1`) is refused: resolvers disagree about such hosts."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    address = _ipv4_number(host)
    if address is None and all(_NUMERIC_LABEL.fullmatch(label) for label in host.split(".")):
        raise _refuse("The URL's host is not a valid address.", field)
    return address


def _check_address(address: Address, field: str) -> None:
    if not is_public_address(address):
        raise _refuse(
            "The URL points to a loopback, private, link-local, multicast or metadata address.",
            field,
        )


def _resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` resolves to now; none if it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # socket.gaierror is an OSError
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def resolve_public(host: str, port: int, *, field: str = "url") -> list[Address]:
    """Every address `host` resolves to, all of them public; raises UnsafeUrl otherwise
    (also when the name does not resolve). What a fetcher connects to, and only to."""
    addresses = _resolve(host, port)
    if not addresses:
        raise _refuse("The URL's host name does not resolve.", field)
    for address in addresses:
        _check_address(address, field)
    return addresses


def _split(url: str, field: str) -> tuple[SplitResult, str, int]:
    if _UNSAFE_CHARACTERS.search(url):
        raise _refuse("The URL contains spaces, control characters or backslashes.", field)
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname or ""
    except ValueError as exc:
        raise _refuse("The URL is not valid.", field) from exc
    if parts.scheme not in SCHEMES:
        raise _refuse("The URL must be an http or https address.", field)
    if not hostname:
        raise _refuse("The URL has no host.", field)
    if "@" in parts.netloc:
        raise _refuse("The URL may not contain a user name or password.", field)
    try:
        host = hostname.encode("idna").decode("ascii").rstrip(".").lower()
    except UnicodeError as exc:
        raise _refuse("The URL's host name is not valid.", field) from exc
    return parts, host, port or SCHEMES[parts.scheme]


def check_public_url(url: str, *, field: str = "url", resolve: bool = True) -> str:
    """`url` (stripped) if it is an http(s) URL to a public host; raises UnsafeUrl (422,
    `unsafe_url`, naming `field`) otherwise. With `resolve`, a host name's current addresses
    must all be public too (a name that resolves to nothing now passes)."""
    url = (url or "").strip()
    _parts, host, port = _split(url, field)
    address = _literal_address(host, field)
    if address is not None:
        _check_address(address, field)
        return url
    if host in METADATA_HOSTS or host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        raise _refuse("The URL points to this machine, the local network or metadata.", field)
    if "." not in host:
        raise _refuse("The URL's host must be a full domain name.", field)
    if resolve and not host.endswith(UNRESOLVABLE_SUFFIXES):
        for resolved in _resolve(host, port):
            _check_address(resolved, field)
    return url
