"""The web server's HTTP protocol sends an answer's head and what follows it in the same turn
of the event loop in one write, in order; nothing is lost, and a stream's later parts are not
held back (keep-alive, closing, streaming)."""

from __future__ import annotations

import asyncio

from uvicorn.config import Config
from uvicorn.server import ServerState

from likewatch.web.http_protocol import CoalescingHttpToolsProtocol, HeadersWithBody


class Socket:
    """A transport that records what reaches it."""

    def __init__(self) -> None:
        self.writes: list[list[bytes]] = []
        self.closed = False

    def writelines(self, lines) -> None:
        self.writes.append(list(lines))

    def write(self, data: bytes) -> None:
        self.writes.append([data])

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default=None):
        return ("127.0.0.1", 1234) if name == "peername" else default


def test_a_head_and_the_body_sent_in_its_turn_reach_the_socket_together_and_in_order():
    async def scenario():
        socket = Socket()
        transport = HeadersWithBody(socket, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        assert socket.writes == []  # held until the turn ends
        await asyncio.sleep(0)
        assert socket.writes == [[b"HTTP/1.1 200 OK\r\n\r\n", b"body"]]

    asyncio.run(scenario())


def test_a_streams_later_parts_are_written_as_they_come():
    async def scenario():
        socket = Socket()
        transport = HeadersWithBody(socket, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        await asyncio.sleep(0)
        transport.write(b"event: board\n\n")
        assert socket.writes[-1] == [b"event: board\n\n"]  # at once, not a turn later

    asyncio.run(scenario())


def test_a_head_alone_in_its_turn_is_not_held_longer():
    async def scenario():
        socket = Socket()
        transport = HeadersWithBody(socket, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        await asyncio.sleep(0)
        assert socket.writes == [[b"HTTP/1.1 200 OK\r\n\r\n"]]

    asyncio.run(scenario())


def test_closing_sends_what_is_held_first():
    async def scenario():
        socket = Socket()
        transport = HeadersWithBody(socket, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\nlast answer")
        transport.close()
        assert socket.writes == [[b"HTTP/1.1 200 OK\r\n\r\nlast answer"]] and socket.closed
        await asyncio.sleep(0)
        assert socket.writes == [[b"HTTP/1.1 200 OK\r\n\r\nlast answer"]]  # not twice

    asyncio.run(scenario())


def test_nothing_is_written_to_a_connection_the_peer_has_closed():
    async def scenario():
        socket = Socket()
        transport = HeadersWithBody(socket, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\ntoo late")
        socket.closed = True
        await asyncio.sleep(0)
        assert socket.writes == []

    asyncio.run(scenario())


def test_everything_else_is_the_sockets_own():
    socket = Socket()
    transport = HeadersWithBody(socket, asyncio.new_event_loop())
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1234)
    assert transport.is_closing() is False


async def app(scope, receive, send):
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first\n", "more_body": True})
        await asyncio.sleep(30)  # the first part must not wait for the rest
        return
    body = scope["path"].encode()
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def served(scenario):
    config = Config(app, http=CoalescingHttpToolsProtocol, lifespan="off", log_level="warning")
    config.load()
    state = ServerState()
    server = await asyncio.get_running_loop().create_server(
        lambda: config.http_protocol_class(config=config, server_state=state, app_state={}),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    try:
        await asyncio.wait_for(scenario(port), 10)
    finally:
        for connection in list(state.connections):
            connection.shutdown()
        server.close()


async def answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    return head, await reader.readexactly(length)


def test_answers_on_a_kept_alive_connection_come_whole_and_in_order():
    async def scenario(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n")
        head, body = await answer(reader)
        assert head.startswith(b"HTTP/1.1 200") and body == b"/one"
        head, body = await answer(reader)
        assert head.startswith(b"HTTP/1.1 200") and body == b"/two"
        writer.close()

    asyncio.run(served(scenario))


def test_an_answer_that_closes_the_connection_is_sent_before_it_closes():
    async def scenario(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head, body = await answer(reader)
        assert body == b"/bye"
        assert await reader.read() == b""  # then the connection is closed
        writer.close()

    asyncio.run(served(scenario))


def test_a_streamed_answer_leaves_as_it_comes():
    async def scenario(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        assert b"first" in await reader.readuntil(b"first\n")
        writer.close()

    asyncio.run(served(scenario))
