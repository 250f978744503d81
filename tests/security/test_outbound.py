"""The outbound guard, attacked for real on loopback.

127.0.0.1 plays the internal service (never to be reached); 127.0.0.2 plays a public site,
allowed explicitly the way an operator would allow an intranet host. Every test checks that the
internal service received nothing, not only that an error came back.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time

import httpx
import pytest

from likewatch.security import outbound
from likewatch.sources import http
from likewatch.sources.errors import InvalidAnswer, Transient

from .servers import (
    SECRET,
    FakeServer,
    dripping,
    free_port_on_both,
    gzip_bomb,
    internal,
    redirecting,
    reply,
)


@pytest.fixture(autouse=True)
def only_the_public_site(settings):
    """Nothing on loopback is allowed but the stand-in public site."""
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.2"]
    settings.LIKEWATCH_OUTBOUND_DENY = []
    settings.LIKEWATCH_HTTP_DEADLINE = 3.0
    settings.LIKEWATCH_HTTP_MAX_BYTES = 2**20
    return settings


def fetch(url: str, **client_options) -> http.Answer:
    async def go():
        async with http.make_client(**client_options) as client:
            return await http.get(client, url, {})

    return asyncio.run(go())


@pytest.mark.parametrize(
    "spelling",
    [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "0.0.0.0",
    ],
)
def test_every_spelling_of_loopback_is_refused_before_connecting(spelling):
    with internal() as service, pytest.raises(InvalidAnswer) as refused:
        fetch(f"http://{spelling}:{service.port}/secret")
    assert service.hits == []
    assert "hunter2" not in str(refused.value)
    # httpx itself refuses the octal spelling as malformed; the others reach the guard.
    assert "not a public internet address" in str(refused.value) or spelling == "0177.0.0.1"


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "0.0.0.0",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "192.0.2.1",  # documentation
    ],
)
def test_non_public_addresses_are_not_public(address):
    assert not outbound.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_public(address):
    assert outbound.is_public(ipaddress.ip_address(address))


def test_a_redirect_to_an_internal_address_is_refused_at_that_hop():
    with (
        internal() as service,
        redirecting(f"{service.url}/secret") as site,
        pytest.raises(InvalidAnswer) as refused,
    ):
        fetch(f"{site.url}/page", follow_redirects=True)
    assert site.hits == ["/page"] and service.hits == []
    assert "hunter2" not in str(refused.value)


def test_the_checked_address_is_the_one_connected_to(monkeypatch):
    """DNS rebinding: the name resolves to an allowed address once, then to the internal one.

    The guard resolves once and connects to what it checked, so the second answer is never
    used; a client that resolved again at connection time would reach the internal service.
    """
    port = free_port_on_both()
    answers = ["127.0.0.2", "127.0.0.1", "127.0.0.1"]
    asked = []

    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host != "rebind.example":
            return real(host, *args, **kwargs)
        address = answers[min(len(asked), len(answers) - 1)]
        asked.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    public = FakeServer(lambda h: reply(h, body=b'{"count": 7}'), host="127.0.0.2", port=port)
    secret = FakeServer(lambda h: reply(h, body=SECRET), host="127.0.0.1", port=port)
    with public, secret:
        answer = fetch(f"http://rebind.example:{port}/count")
    assert answer.json() == {"count": 7}
    assert asked == ["127.0.0.2"] and secret.hits == [] and public.hits == ["/count"]


def test_the_host_header_keeps_the_name_while_the_connection_uses_the_address(monkeypatch):
    seen = {}

    def record(handler):
        seen["host"] = handler.headers["Host"]
        reply(handler, body=b"{}")

    with FakeServer(record, host="127.0.0.2") as site:
        real = socket.getaddrinfo
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda host, *a, **k: (
                [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", site.port))]
                if host == "site.example"
                else real(host, *a, **k)
            ),
        )
        answer = fetch(f"http://site.example:{site.port}/x")
    assert seen["host"] == f"site.example:{site.port}"
    assert answer.final_url == f"http://site.example:{site.port}/x"


def test_a_name_with_any_internal_address_is_refused(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", 80)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", 80)),
        ],
    )
    with pytest.raises(outbound.Refused):
        outbound.resolve_sync("mixed.example", 80)


def test_a_gzip_bomb_stops_at_the_size_cap():
    with gzip_bomb(inflated=200 * 2**20) as bomb:
        assert bomb.compressed_size < 300_000
        with pytest.raises(InvalidAnswer) as too_big:
            fetch(f"{bomb.url}/")
    assert "larger than" in str(too_big.value)


def test_a_dripping_server_cannot_hold_a_fetch_past_the_deadline(settings):
    settings.LIKEWATCH_HTTP_DEADLINE = 1.5
    with dripping(seconds_per_byte=0.2) as drip:
        started = time.monotonic()
        with pytest.raises(Transient) as late:
            fetch(f"{drip.url}/")
        took = time.monotonic() - started
    # Well short of the 100,000 s the drip would take, and of the per-read timeout's reach.
    assert took < 1.5 + 5
    assert "within 1.5 s" in str(late.value)


def test_errors_never_quote_what_came_back():
    with FakeServer(lambda h: reply(h, body=b"<html>" + SECRET), host="127.0.0.2") as site:
        answer = fetch(f"{site.url}/")
    with pytest.raises(InvalidAnswer) as not_json:
        answer.json()
    assert "hunter2" not in str(not_json.value)


def test_the_operator_can_allow_a_network_and_deny_a_host(settings):
    with internal() as service:
        settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.0/8"]
        assert fetch(f"{service.url}/x").status == 200
        settings.LIKEWATCH_OUTBOUND_DENY = ["127.0.0.1"]
        with pytest.raises(InvalidAnswer):
            fetch(f"{service.url}/y")
    assert service.hits == ["/x"]


def test_other_schemes_are_refused():
    with pytest.raises(outbound.Refused):
        outbound.check_url("file:///etc/passwd")
    with pytest.raises(outbound.Refused):
        outbound.check_url("gopher://127.0.0.2/")


def test_httpx_errors_say_what_failed_without_the_answer():
    # A closed port on an allowed address: a network error, no content.
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        port = s.getsockname()[1]
    with pytest.raises(Transient) as failed:
        fetch(f"http://127.0.0.2:{port}/")
    assert "network error" in str(failed.value)
    assert isinstance(httpx.ConnectError("x"), httpx.HTTPError)


def test_a_cookie_an_answer_sets_is_sent_back_and_an_answer_without_one_changes_nothing():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        if request.url.path == "/login":
            return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"})
        return httpx.Response(200, json={"ok": True})

    async def exchange() -> None:
        async with outbound.Client(transport=httpx.MockTransport(answer)) as client:
            await client.get("http://example.org/plain")
            assert dict(client.cookies) == {}
            await client.get("http://example.org/login")
            await client.get("http://example.org/plain")
            assert dict(client.cookies) == {"session": "abc"}
            client.cookies = {"other": "1"}  # replacing the jar keeps the same behaviour
            await client.get("http://example.org/login")
            assert dict(client.cookies) == {"other": "1", "session": "abc"}

    asyncio.run(exchange())
    assert seen[:3] == [None, None, "session=abc"]


def test_a_changed_allow_setting_is_read_at_the_next_request(settings):
    settings.LIKEWATCH_OUTBOUND_ALLOW = []
    assert not outbound.policy().allow_networks
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["10.1.0.0/16"]
    assert outbound.policy().allow_networks == (ipaddress.ip_network("10.1.0.0/16"),)
    with pytest.raises(outbound.Refused):
        outbound.check_address("intranet", ipaddress.ip_address("10.2.0.1"), outbound.policy())
    settings.LIKEWATCH_OUTBOUND_ALLOW = []
    with pytest.raises(outbound.Refused):
        outbound.check_address("intranet", ipaddress.ip_address("10.1.0.1"), outbound.policy())


def test_an_address_asked_again_is_decided_again_at_each_request(settings):
    """httpx parses an address once per process (outbound.parsed_url), but whether it may be
    reached is decided at every request, and the parameters of each reach its query."""

    async def ask(url: str, params: dict) -> http.Answer | Exception:
        async with http.make_client() as client:
            try:
                return await http.get(client, url, params)
            except InvalidAnswer as exc:
                return exc

    with FakeServer(lambda h: reply(h, body=b'{"count": 1}'), host="127.0.0.2") as site:
        url = f"{site.url}/page"
        plain = asyncio.run(ask(url, {}))
        with_params = asyncio.run(ask(url, {"id": "7"}))
        settings.LIKEWATCH_OUTBOUND_DENY = ["127.0.0.2"]
        refused = asyncio.run(ask(url, {}))
    assert plain.status == 200 and plain.url == url and with_params.status == 200
    assert isinstance(refused, InvalidAnswer) and "refused" in str(refused)
    assert site.hits == ["/page", "/page?id=7"]


def test_a_malformed_address_is_malformed_every_time_it_is_asked():
    for _ in range(2):
        with pytest.raises(InvalidAnswer, match="malformed"):
            fetch("http://[::1/page")


def _resolve_async(host, port):
    return asyncio.run(outbound.resolve(host, port))


def _no_lookup(*args, **kwargs):
    raise AssertionError("looked up a name that was to be decided without a lookup")


@pytest.mark.parametrize("resolver", [outbound.resolve_sync, _resolve_async])
@pytest.mark.parametrize("host", ["", "127.0.0.1", "[::1]", "::ffff:127.0.0.1", "denied.example"])
def test_both_resolvers_refuse_alike_before_any_lookup(monkeypatch, settings, resolver, host):
    # Forms and Apprise resolve synchronously, the poller asynchronously: one set of rules,
    # and a name the operator denied is never even looked up (the lookup itself would tell
    # the name's DNS server that likewatch was asked for it).
    settings.LIKEWATCH_OUTBOUND_DENY = ["denied.example"]
    monkeypatch.setattr(socket, "getaddrinfo", _no_lookup)
    with pytest.raises(outbound.Refused):
        resolver(host, 80)


@pytest.mark.parametrize("resolver", [outbound.resolve_sync, _resolve_async])
def test_an_allowed_address_written_as_such_is_its_own_answer(monkeypatch, settings, resolver):
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.0/8"]
    monkeypatch.setattr(socket, "getaddrinfo", _no_lookup)
    assert resolver("127.0.0.1", 80) == "127.0.0.1"
