"""The guarded transport's HTTP/1.1 connections, against real servers on loopback.

A connection is opened to an address the guard checked, kept for the host's next request, and
never used once the operator's rules refuse its address; answers are read whole whatever
their framing, and a broken answer is a network error, never a partial count.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable

import httpx
import pytest

from likewatch.sources import http
from likewatch.sources.errors import InvalidAnswer, Transient

from .servers import FakeServer, reply


@pytest.fixture(autouse=True)
def only_the_public_site(settings):
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.2"]
    settings.LIKEWATCH_OUTBOUND_DENY = []
    settings.LIKEWATCH_HTTP_DEADLINE = 5.0
    return settings


def fetch_all(urls: list[str], between: Callable[[int], None] = lambda i: None) -> list:
    """Fetch `urls` in turn with one client; each answer, or the error it raised."""

    async def go():
        found = []
        async with http.make_client() as client:
            for i, url in enumerate(urls):
                between(i)
                try:
                    found.append(await http.get(client, url, {}))
                except Exception as exc:
                    found.append(exc)
        return found

    return asyncio.run(go())


class ScriptedServer:
    """A raw socket server on 127.0.0.2: each request head read gets `script(n)`'s bytes.

    `script` returns the bytes to send and whether to close the connection afterwards; the
    server counts connections and requests.
    """

    def __init__(self, script: Callable[[int], tuple[bytes, bool]]) -> None:
        self.script = script
        self.connections = 0
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.2", 0))
        self.url = f"http://127.0.0.2:{self.sock.getsockname()[1]}"

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                _head, data = data.split(b"\r\n\r\n", 1)
                self.requests += 1
                answer, close = self.script(self.requests)
                conn.sendall(answer)
                if close:
                    return


def test_requests_to_one_host_share_a_connection_and_one_lookup(monkeypatch):
    lookups = []
    ports = []

    def answer(handler):
        ports.append(handler.client_address[1])
        reply(handler, body=b'{"count": 7}')

    with FakeServer(answer, host="127.0.0.2") as site:
        real = socket.getaddrinfo

        def resolving(host, *args, **kwargs):
            if host != "site.example":
                return real(host, *args, **kwargs)
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", site.port))]

        monkeypatch.setattr(socket, "getaddrinfo", resolving)
        answers = fetch_all([f"http://site.example:{site.port}/{i}" for i in range(3)])
    assert [a.json() for a in answers] == [{"count": 7}] * 3
    assert site.hits == ["/0", "/1", "/2"]
    # Resolved and checked once, when the connection was opened; the other two rode on it.
    assert lookups == ["site.example"] and len(set(ports)) == 1


def test_a_kept_connection_is_not_used_once_the_operator_refuses_its_address(settings):
    def deny_before_second(i: int) -> None:
        if i == 1:
            settings.LIKEWATCH_OUTBOUND_DENY = ["127.0.0.2"]

    with FakeServer(lambda h: reply(h, body=b"{}"), host="127.0.0.2") as site:
        first, second = fetch_all([f"{site.url}/a", f"{site.url}/b"], deny_before_second)
    assert first.status == 200
    assert isinstance(second, InvalidAnswer) and "refused" in str(second)
    assert site.hits == ["/a"]


def test_a_kept_connection_the_server_dropped_is_replaced_by_a_new_one():
    # Keep-alive promised, then the server closes after each answer: the next request still
    # gets its answer, over a new connection.
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"
    with ScriptedServer(lambda n: (ok, True)) as server:
        answers = fetch_all([f"{server.url}/a", f"{server.url}/b", f"{server.url}/c"])
    assert [a.status for a in answers] == [200, 200, 200]
    assert server.connections == 3


def test_chunked_and_close_delimited_answers_are_read_whole():
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5\r\n{"cou\r\n7\r\nnt": 42\r\n1\r\n}\r\n0\r\n\r\n'
    )
    until_close = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + b'{"count": 9}'
    with ScriptedServer(lambda n: (chunked, False)) as server:
        (answer,) = fetch_all([f"{server.url}/x"])
    assert answer.json() == {"count": 42}
    with ScriptedServer(lambda n: (until_close, True)) as server:
        (answer,) = fetch_all([f"{server.url}/x"])
    assert answer.json() == {"count": 9}


def test_an_answer_saying_connection_close_is_not_reused():
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
    with ScriptedServer(lambda n: (closing, False)) as server:
        answers = fetch_all([f"{server.url}/a", f"{server.url}/b"])
    assert [a.status for a in answers] == [200, 200]
    assert server.connections == 2


@pytest.mark.parametrize(
    "broken",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b'{"count": 1',  # cut short
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # bad chunk size
        b"HTTP/1.1 20x OK\r\n\r\n",  # not an HTTP answer
        b"",  # closed without a word
    ],
)
def test_a_broken_answer_is_a_network_error_never_a_partial_count(broken):
    with ScriptedServer(lambda n: (broken, True)) as server:
        (failed,) = fetch_all([f"{server.url}/x"])
    assert isinstance(failed, Transient) and "network error" in str(failed)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Note": "a\r\nX-Injected: 1"},
        {"X-Note": "a\nb"},
        {"X-Note": "a\0b"},
        {"X-Note:Injected": "1"},
    ],
)
def test_a_header_that_would_split_the_request_is_refused_before_anything_is_sent(headers):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"

    async def ask(url: str):
        async with http.make_client() as client:
            try:
                return await http.get(client, url, {}, headers=headers)
            except Exception as exc:
                return exc

    with ScriptedServer(lambda n: (ok, False)) as server:
        found = asyncio.run(ask(f"{server.url}/page"))
    assert isinstance(found, Transient) and "LocalProtocolError" in str(found)
    assert server.requests == 0


def test_a_space_in_the_method_is_refused_before_anything_is_sent():
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"

    async def ask(url: str):
        async with http.make_client() as client:
            with pytest.raises(httpx.LocalProtocolError):
                await client.request("GET /admin", url)

    with ScriptedServer(lambda n: (ok, False)) as server:
        asyncio.run(ask(f"{server.url}/page"))
    assert server.requests == 0
