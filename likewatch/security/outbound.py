"""The one guarded way out: every request likewatch sends to an address someone else chose.

Editors type addresses (JSON endpoints, web pages, alert channels), and a tracked site can
answer with a redirect anywhere. Without a guard the server would fetch its own internal
services for them. Every outbound HTTP request therefore goes through `client()` (an httpx
client whose transport is `GuardedTransport`) or, for libraries that send their own requests
(Apprise, the headless browser), is checked first with `check_url()`:

- the host name is resolved once, and EVERY address it resolves to must be a public one: no
  loopback, private, link-local, multicast, reserved, unspecified, shared (CGNAT) or
  documentation address, and no IPv4 address hidden in an IPv6 one (IPv4-mapped, 6to4, NAT64,
  Teredo). Numeric spellings (`127.1`, `2130706433`, `0x7f.1`) resolve to what they mean, so
  they are judged by what they mean;
- the connection goes to the address that was checked (the URL is rewritten to it, with the
  original Host header and TLS server name), so a second DNS answer cannot swap in another
  one (DNS rebinding);
- every redirect is a new request through the same transport, so each hop is checked;
- `read()` stops an answer past `max_bytes` AFTER decompression (a 300 KB gzip bomb cannot
  inflate to 800 MB) and holds the whole exchange to one deadline (a server dripping a byte
  at a time cannot hold a fetch past it).

Errors say which host was refused and why, never what an answer contained.

The operator may allow networks or hosts that are not public (a newsroom's intranet JSON, the
demo's simulator on 127.0.0.1) with LIKEWATCH_OUTBOUND_ALLOW, and refuse more with
LIKEWATCH_OUTBOUND_DENY (see docs/security.md). Denials win over allowances.

No maintained library covered this for httpx when it was written (the candidates were alpha
releases without a decompressed-size cap or an overall deadline), so the guard is kept small
and tested in tests/security/test_outbound.py against real servers on loopback.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from likewatch.security import http1

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
# Encodings read() can undo under the size cap; others are refused rather than trusted.
ENCODINGS = ("gzip", "x-gzip", "deflate")
# Shared address space (RFC 6598) is not "private" to Python but is never a public site.
EXTRA_BLOCKED = (ipaddress.ip_network("100.64.0.0/10"),)


class OutboundError(Exception):
    """A request the guard stopped. The message is safe to show and to store."""


class Refused(OutboundError):
    """The address is not one likewatch may connect to."""


class TooLarge(OutboundError):
    """The answer was larger than allowed (after decompression)."""


class DeadlinePassed(OutboundError):
    """The whole exchange took longer than its deadline."""


class Unreadable(OutboundError):
    """The answer's compression is unknown or damaged."""


@dataclass(frozen=True)
class Policy:
    """What the operator allows and denies beyond the rule "public addresses only"."""

    allow_networks: tuple[Network, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    deny_networks: tuple[Network, ...] = ()
    deny_hosts: tuple[str, ...] = ()

    @classmethod
    def parse(cls, allow: list[str] | tuple[str, ...], deny: list[str] | tuple[str, ...]):
        """From entries like "10.1.0.0/16", "::1", "intranet.example.org", ".example.org"."""
        allow_networks, allow_hosts = _split_entries(allow)
        deny_networks, deny_hosts = _split_entries(deny)
        return cls(allow_networks, allow_hosts, deny_networks, deny_hosts)

    def host_denied(self, host: str) -> bool:
        return _host_matches(host, self.deny_hosts)

    def host_allowed(self, host: str) -> bool:
        return _host_matches(host, self.allow_hosts)


def _split_entries(entries) -> tuple[tuple[Network, ...], tuple[str, ...]]:
    networks: list[Network] = []
    hosts: list[str] = []
    for entry in entries:
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.append(entry.rstrip("."))
    return tuple(networks), tuple(hosts)


def _host_matches(host: str, patterns: tuple[str, ...]) -> bool:
    """`host` is one of `patterns`, or under one written with a leading dot (".example.org")."""
    host = host.lower().rstrip(".")
    return any(
        host == p or (p.startswith(".") and (host.endswith(p) or host == p[1:])) for p in patterns
    )


# The settings policy() last parsed, and what they parsed to: (allow, deny, Policy).
_parsed: tuple[tuple, tuple, Policy] | None = None


def policy() -> Policy:
    """The operator's policy as the settings say at this call (tests change them).

    Every request asks for it, and parsing the entries (networks by ipaddress) cost about
    0.14 CPU-ms a request under the profiler, so it is parsed again only when the entries
    differ from the last ones parsed: compared by value, so a changed or overridden setting is
    read at once. A Policy is immutable; swapping the one tuple is safe between threads.
    """
    global _parsed
    allow = tuple(getattr(settings, "LIKEWATCH_OUTBOUND_ALLOW", ()))
    deny = tuple(getattr(settings, "LIKEWATCH_OUTBOUND_DENY", ()))
    parsed = _parsed
    if parsed is not None and parsed[0] == allow and parsed[1] == deny:
        return parsed[2]
    rules = Policy.parse(allow, deny)
    _parsed = (allow, deny, rules)
    return rules


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, 6to4, NAT64, Teredo)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    packed = address.packed
    if packed[:12] == bytes(12) and packed[12:] != bytes(4):  # IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(packed[12:])
    if address in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
        return ipaddress.IPv4Address(packed[12:])
    return None


def is_public(address: Address) -> bool:
    """True for an address on the public internet, judging an embedded IPv4 one by itself."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return is_public(inner)
    if (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    ):
        return False
    return not any(address in network for network in EXTRA_BLOCKED)


def check_address(host: str, address: Address, rules: Policy) -> None:
    """Raise Refused unless `host` may be reached at `address` under `rules`."""
    inner = embedded_ipv4(address)
    candidates = [address] if inner is None else [address, inner]
    if rules.host_denied(host) or any(
        a in n for a in candidates for n in rules.deny_networks if a.version == n.version
    ):
        raise Refused(f"{host}: the operator has refused this address")
    if is_public(address):
        return
    if rules.host_allowed(host) or any(
        a in n for a in candidates for n in rules.allow_networks if a.version == n.version
    ):
        return
    raise Refused(f"{host}: refused, it is not a public internet address")


@functools.lru_cache(maxsize=1024)
def _address(text: str) -> Address:
    # A kept connection's address, parsed once: it is checked again before each request.
    return ipaddress.ip_address(text)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _checked(host: str, infos, rules: Policy) -> str:
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        check_address(host, address, rules)
        addresses.append(address)
    if not addresses:
        raise Refused(f"{host}: the name has no address")
    return str(addresses[0])


def _without_lookup(host: str, rules: Policy) -> str | None:
    """What is decided before a name is looked up, one rule for `resolve` and `resolve_sync`:
    no host is refused; an address written as such is checked and is the answer; a name the
    operator denied is refused. None: the name must be looked up."""
    if not host:
        raise Refused("the address has no host")
    literal = _literal(host)
    if literal is not None:
        check_address(host, literal, rules)
        return str(literal)
    if rules.host_denied(host):
        raise Refused(f"{host}: the operator has refused this address")
    return None


async def resolve(host: str, port: int, rules: Policy | None = None) -> str:
    """The one address `host` will be reached at, after checking every address it has."""
    rules = rules or policy()
    decided = _without_lookup(host, rules)
    if decided is not None:
        return decided
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"{host}: the name does not resolve") from None
    return _checked(host, infos, rules)


def resolve_sync(host: str, port: int, rules: Policy | None = None) -> str:
    """`resolve` for synchronous callers (form validation, Apprise)."""
    rules = rules or policy()
    decided = _without_lookup(host, rules)
    if decided is not None:
        return decided
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"{host}: the name does not resolve") from None
    return _checked(host, infos, rules)


def check_url(url: str, rules: Policy | None = None) -> str:
    """Check a URL another library will fetch; returns the checked address or raises Refused.

    Checking before another library connects leaves a short window for DNS rebinding, which
    the transport below closes for likewatch's own requests; docs/security.md says so.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("the address is malformed") from None
    if parts.scheme.lower() not in SCHEMES:
        raise Refused(f"only http and https addresses may be fetched, not {parts.scheme!r}")
    host = parts.hostname or ""
    return resolve_sync(host, port or (443 if parts.scheme.lower() == "https" else 80), rules)


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that connects only to checked addresses, pinned for the connection.

    A name is resolved and every address it has is checked when a connection to it is opened;
    the connection goes to the checked address (TLS verified for the name), so a second DNS
    answer cannot swap in another one. Kept connections are pooled per host name, never
    shared between names that happen to resolve to one address, so a TLS connection verified
    for one name never carries another's requests; reusing one costs no DNS lookup, and its
    address is checked again against the operator's current rules before every request.
    """

    def __init__(self, verify: bool | ssl.SSLContext = True) -> None:
        self.verify = verify
        self.pool = http1.Pool()
        self._ssl: ssl.SSLContext | None = None

    def _ssl_context(self) -> ssl.SSLContext:
        # Built once per client: loading the certificate store costs milliseconds.
        if self._ssl is None:
            if isinstance(self.verify, ssl.SSLContext):
                context = self.verify
            else:
                context = httpx.create_ssl_context(verify=self.verify, trust_env=False)
            context.set_alpn_protocols(["http/1.1"])
            self._ssl = context
        return self._ssl

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in SCHEMES:
            raise Refused(f"only http and https addresses may be fetched, not {url.scheme!r}")
        host = url.host
        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.scheme, host, port)
        rules = policy()
        timeouts = request.extensions.get("timeout", {})
        kept = self.pool.take(key)
        if kept is not None:
            check_address(host, _address(kept.address), rules)
            try:
                return await kept.send(request, timeouts, self.pool, key)
            except httpx.RemoteProtocolError:
                # The server closed a kept connection as it was reused: nothing was read, so
                # a request that changes nothing is sent once more on a new connection.
                if kept.received or request.method not in ("GET", "HEAD"):
                    raise
        address = await resolve(host, port, rules)
        https = url.scheme == "https"
        connection = await self.pool.open(
            address,
            port,
            request,
            self._ssl_context() if https else None,
            host if https else None,
            timeouts.get("connect"),
        )
        return await connection.send(request, timeouts, self.pool, key)

    async def aclose(self) -> None:
        await self.pool.aclose()


class Cookies(httpx.Cookies):
    """httpx's cookie jar, skipping the answers that set no cookie.

    httpx hands every answer to the standard library's jar, which builds a urllib request and
    response around it before looking for a Set-Cookie header: about 0.5 CPU-ms an answer
    under the profiler, the largest single cost of a single-page poll's HTTP read, for
    answers that almost never set one. The jar reads only Set-Cookie and Set-Cookie2, so an
    answer with neither is skipped with nothing lost.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class Client(httpx.AsyncClient):
    """httpx's client with the cookie jar above (the rest is httpx's own)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cookies = Cookies(self._cookies)  # httpx's __init__ sets it past the setter

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._cookies = Cookies(cookies)


def client(**kwargs: Any) -> httpx.AsyncClient:
    """An httpx client whose every request, redirects included, goes through the guard."""
    kwargs.setdefault("max_redirects", MAX_REDIRECTS)
    # Proxies from the environment would make the connection instead of the guard.
    kwargs["trust_env"] = False
    kwargs["transport"] = GuardedTransport()
    return Client(**kwargs)


def deadline_seconds() -> float:
    return float(getattr(settings, "LIKEWATCH_HTTP_DEADLINE", 30.0))


def max_bytes() -> int:
    return int(getattr(settings, "LIKEWATCH_HTTP_MAX_BYTES", 10 * 2**20))


@dataclass
class Exchange:
    """A whole answer, read under the guard's limits."""

    response: httpx.Response
    body: bytes
    duration_ms: int


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    deadline: float | None = None,
    limit: int | None = None,
    **request: Any,
) -> Exchange:
    """Send one request and read its answer whole, within `deadline` seconds and `limit` bytes.

    Raises Refused, TooLarge, DeadlinePassed, or httpx's own errors for network trouble.
    """
    deadline = deadline_seconds() if deadline is None else deadline
    limit = max_bytes() if limit is None else limit
    headers = dict(request.pop("headers", None) or {})
    headers.setdefault("Accept-Encoding", "gzip, deflate")
    # No parameters is None, not {}: httpx rebuilds (parses again) a URL given any params.
    request["params"] = request.get("params") or None
    target = parsed_url(url)
    started = time.monotonic()
    try:
        async with asyncio.timeout(deadline):
            outgoing = http.build_request(method, target, headers=headers, **request)
            response = await http.send(outgoing, stream=True)
            try:
                body = await read(response, limit)
            finally:
                await response.aclose()
    except TimeoutError:
        raise DeadlinePassed(f"{target.host}: no complete answer within {deadline:g} s") from None
    return Exchange(response, body, int((time.monotonic() - started) * 1000))


@functools.lru_cache(maxsize=4096)
def parsed_url(url: str) -> httpx.URL:
    """`url` parsed by httpx, once per address rather than at every request.

    A poller asks the same addresses every interval, and httpx's parser (pure Python, IDNA
    and percent-encoding checks) ran twice a request (the second for an empty `params`):
    building a request cost 126 µs of CPU with the address as text, 48 µs with it parsed, of
    some 700 µs a guarded request cost (load 8). An httpx.URL is immutable, so one can be
    shared; a malformed address raises httpx.InvalidURL at every call (exceptions are not
    cached). Whether the address may be reached is still decided at every request, by the
    transport below.
    """
    return httpx.URL(url)


async def read(response: httpx.Response, limit: int) -> bytes:
    """The body of a streamed response, decompressed, refusing more than `limit` bytes."""
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity") and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the answer is larger than {limit} bytes")
    inflater = Inflater(encoding, limit)
    async for chunk in response.aiter_raw():
        inflater.feed(chunk)
    return inflater.finish()


class Inflater:
    """Undo gzip or deflate incrementally, never producing more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        if encoding not in ("", "identity", *ENCODINGS):
            raise Unreadable(f"the answer uses an encoding likewatch does not read ({encoding!r})")
        self.limit = limit
        self.out = bytearray()
        self.encoding = encoding
        self.decoder = None
        if encoding in ("gzip", "x-gzip"):
            self.decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.decoder = zlib.decompressobj(zlib.MAX_WBITS)
        self.first = True

    def feed(self, data: bytes) -> None:
        if self.decoder is None:
            self._keep(data)
            return
        while data:
            room = self.limit - len(self.out) + 1
            try:
                piece = self.decoder.decompress(data, room)
            except zlib.error:
                if self.first and self.encoding == "deflate":
                    # Some servers send raw deflate without the zlib header.
                    self.decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    self.first = False
                    continue
                raise Unreadable("the answer's compression is damaged") from None
            self.first = False
            self._keep(piece)
            data = self.decoder.unconsumed_tail

    def _keep(self, data: bytes) -> None:
        if len(self.out) + len(data) > self.limit:
            raise TooLarge(f"the answer is larger than {self.limit} bytes")
        self.out += data

    def finish(self) -> bytes:
        if self.decoder is not None:
            self._keep(self.decoder.flush())
        return bytes(self.out)


# Libraries that open their own connections ---------------------------------------------------


def guard_libraries() -> None:
    """Put the check in front of the connections Apprise opens (urllib3 and smtplib).

    Apprise sends through `requests` (urllib3) and `smtplib`, not through httpx. Each new
    connection they open is first checked here and made to the checked address, so alert
    channels cannot reach internal services either, whatever the URL or a redirect says. A
    refusal is raised as an OSError, which both libraries report as a failed connection: the
    same failure whether the internal port was open or closed. Idempotent.
    """
    import smtplib

    from urllib3.util import connection as urllib3_connection

    if not getattr(urllib3_connection.create_connection, "likewatch_guarded", False):
        original = urllib3_connection.create_connection

        def create_connection(address, *args, **kwargs):
            host, port = address
            return original((_checked_or_oserror(host, port), port), *args, **kwargs)

        create_connection.likewatch_guarded = True
        urllib3_connection.create_connection = create_connection

    if not getattr(smtplib.SMTP._get_socket, "likewatch_guarded", False):
        original_socket = smtplib.SMTP._get_socket

        def _get_socket(self, host, port, timeout):
            return original_socket(self, _checked_or_oserror(host, port), port, timeout)

        _get_socket.likewatch_guarded = True
        smtplib.SMTP._get_socket = _get_socket


def _checked_or_oserror(host: str, port: int) -> str:
    try:
        return resolve_sync(str(host).strip("[]"), int(port))
    except Refused as exc:
        raise OSError(f"refused by likewatch's outbound guard: {exc}") from None
