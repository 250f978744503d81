"""HTTP/1.1 over asyncio, parsed by httptools: the connections under the outbound guard.

httpx's default transport (httpcore and h11, pure Python, over anyio) cost about 0.65 CPU-ms
per request against a loopback server on this project's 2-core machine, most of a
single-page poll's fetch; this one costs about 0.05 (same server, same eight requests at a
time), because the bytes are parsed in C (llhttp, through httptools, which uvicorn already
brings) and nothing between the socket and httpx's client is generic. httpx's client above it
is unchanged: redirects, cookies, the Response model and its errors.

It does what the guard's requests need and no more: one request at a time per connection,
keep-alive, bodies sent whole, answers streamed with flow control, TLS verified for the
host's name. The caller opens each connection to an address it chose (`Pool.open`), so the
outbound guard decides where every new connection goes (`likewatch.security.outbound`).
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator

import httptools
import httpx

KEEPALIVE = 5.0  # seconds an idle connection is kept for its host's next request (as httpcore)
IDLE_PER_HOST = 10
HOSTS = 32  # hosts with idle connections kept, least recently used dropped first
HIGH_WATER = 256 * 1024  # unread answer bytes buffered before the socket stops being read
LOW_WATER = 64 * 1024
FORBIDDEN = (b"\r", b"\n", b"\0")
# What may not appear where (one regular expression each rather than a test per character: the
# request head is built for every request): FORBIDDEN anywhere, a space in the request line's
# method and target, a colon in a header's name.
BAD_IN_VALUE = re.compile(b"[" + re.escape(b"".join(FORBIDDEN)) + b"]")
BAD_IN_LINE = re.compile(b"[" + re.escape(b"".join(FORBIDDEN) + b" ") + b"]")
BAD_IN_NAME = re.compile(b"[" + re.escape(b"".join(FORBIDDEN) + b":") + b"]")


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection to an address the guard checked, carrying one request at a time."""

    def __init__(self, address: str) -> None:
        self.address = address  # the checked address this connection goes to
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = time.monotonic()
        self._parser = httptools.HttpResponseParser(self)
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.framed = False  # Content-Length or chunked: the answer ends by itself, not at EOF
        self.head_done = False
        self.keep_alive = False
        self.complete = False
        self.received = False  # any byte of this exchange came back
        self.head_only = False
        self.error: Exception | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.paused = False
        self.wakeup: asyncio.Future | None = None

    # asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self.complete or self.error is not None:
            # Bytes after the answer, or after an error: the connection is not reused.
            self._close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("the server switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed HTTP answer ({exc})"))
        if self.buffered > HIGH_WATER and not self.paused and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.complete or self.error is not None:
            self._wake()
            return
        if self.head_done and not self.framed:
            self.complete = True  # an answer without a length ends when the server closes
        elif not self.received:
            self._fail(httpx.RemoteProtocolError("the server closed the connection unanswered"))
        else:
            self._fail(httpx.ReadError("the server closed the connection mid-answer"))
        self._wake()

    # httptools callbacks ---------------------------------------------------------------

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length" or lowered == b"transfer-encoding":
            self.framed = True

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            # An interim answer (100 Continue, 103 Early Hints): the real one follows.
            self.reason, self.headers, self.framed = b"", [], False
            return
        self.status = status
        self.head_done = True
        # Read here: once the message is complete the parser has moved on to the next one.
        self.keep_alive = self._parser.should_keep_alive()
        if self.head_only:
            self.complete = True  # a HEAD answer has no body, whatever its length says
        self._wake()

    def on_body(self, body: bytes) -> None:
        if self.head_only:
            return
        self.chunks.append(body)
        self.buffered += len(body)
        self._wake()

    def on_message_complete(self) -> None:
        if self.status:  # not an interim answer's end
            self.complete = True
            self._wake()

    # Driving it ------------------------------------------------------------------------

    def _fail(self, error: Exception) -> None:
        if self.error is None:
            self.error = error
        self._close()
        self._wake()

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _wake(self) -> None:
        if self.wakeup is not None and not self.wakeup.done():
            self.wakeup.set_result(None)

    async def _wait(self, timeout: float | None, request: httpx.Request) -> None:
        self.wakeup = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                await self.wakeup
        except TimeoutError:
            self._close()
            raise httpx.ReadTimeout("no answer within the read timeout", request=request) from None
        finally:
            self.wakeup = None

    def reusable(self) -> bool:
        return (
            not self.closed
            and self.transport is not None
            and not self.transport.is_closing()
            and time.monotonic() - self.idle_since < KEEPALIVE
        )

    async def send(
        self, request: httpx.Request, timeouts: dict, pool: Pool, key: tuple[str, str, int]
    ) -> httpx.Response:
        """Send `request` and wait for the answer's head; the body streams from the result.

        Closing the body gives the connection back to `pool` under `key` when it can carry
        another request.
        """
        self._reset()
        self.head_only = request.method == "HEAD"
        body = await request.aread()
        head = _head(request, body)
        if self.transport is None or self.transport.is_closing():
            raise httpx.RemoteProtocolError("the connection closed before sending", request=request)
        try:
            self.transport.write(head)
        except (OSError, RuntimeError) as exc:
            self._close()
            raise httpx.WriteError(f"could not send the request ({exc})", request=request) from None
        read = timeouts.get("read")
        try:
            while not self.head_done and self.error is None:
                await self._wait(read, request)
        except BaseException:  # cancelled (the guard's deadline) or timed out: never reused
            self._close()
            raise
        if self.error is not None:
            self.error.request = request
            raise self.error
        return httpx.Response(
            self.status,
            headers=self.headers,
            stream=Body(self, request, read, pool, key),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": self.reason},
        )

    async def chunks_of(self, request: httpx.Request, read: float | None) -> AsyncIterator[bytes]:
        while True:
            while self.chunks:
                chunk = self.chunks.popleft()
                self.buffered -= len(chunk)
                if self.paused and self.buffered < LOW_WATER and not self.closed:
                    self.transport.resume_reading()
                    self.paused = False
                yield chunk
            if self.error is not None:
                self.error.request = request
                raise self.error
            if self.complete:
                return
            await self._wait(read, request)

    def finished(self) -> bool:
        """The exchange ended cleanly and the connection can carry another."""
        return (
            self.complete
            and self.error is None
            and not self.chunks
            and self.keep_alive
            and not self.head_only
        )


def _head(request: httpx.Request, body: bytes) -> bytes:
    target = request.url.raw_path
    method = request.method.encode("ascii")
    if BAD_IN_LINE.search(target) or BAD_IN_LINE.search(method):
        raise httpx.LocalProtocolError("forbidden characters in the request line", request=request)
    lines = [method + b" " + target + b" HTTP/1.1"]
    chunked = False
    for name, value in request.headers.raw:
        if BAD_IN_NAME.search(name) or BAD_IN_VALUE.search(value):
            raise httpx.LocalProtocolError("forbidden characters in a header", request=request)
        if name.lower() == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        lines.append(name + b": " + value)
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    if chunked:  # sent whole: one chunk and the last
        return head + (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    return head + body


class Body(httpx.AsyncByteStream):
    """An answer's body as it arrives; closing it gives the connection back or closes it."""

    def __init__(
        self,
        connection: Connection,
        request: httpx.Request,
        read: float | None,
        pool: Pool,
        key: tuple[str, str, int],
    ) -> None:
        self.connection: Connection | None = connection
        self.request = request
        self.read = read
        self.pool = pool
        self.key = key

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.connection is None:
            raise httpx.StreamClosed()
        async for chunk in self.connection.chunks_of(self.request, self.read):
            yield chunk

    async def aclose(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        if connection.finished():
            self.pool.give_back(self.key, connection)
        else:
            connection._close()


class Pool:
    """Idle connections per (scheme, host name, port), never shared between names.

    The caller takes a kept connection or opens one to an address it chose (the outbound
    guard resolves and checks the name first); a kept connection goes on to the address it
    was opened to.
    """

    def __init__(self) -> None:
        self.idle: OrderedDict[tuple[str, str, int], list[Connection]] = OrderedDict()

    def take(self, key: tuple[str, str, int]) -> Connection | None:
        kept = self.idle.get(key)
        while kept:
            connection = kept.pop()
            if connection.reusable():
                return connection
            connection._close()
        return None

    def give_back(self, key: tuple[str, str, int], connection: Connection) -> None:
        connection.idle_since = time.monotonic()
        kept = self.idle.pop(key, [])
        kept = [c for c in kept if c.reusable()]
        kept.append(connection)
        while len(kept) > IDLE_PER_HOST:
            kept.pop(0)._close()
        self.idle[key] = kept
        while len(self.idle) > HOSTS:
            _old, dropped = self.idle.popitem(last=False)
            for c in dropped:
                c._close()

    async def open(
        self,
        address: str,
        port: int,
        request: httpx.Request,
        ssl_context: ssl.SSLContext | None,
        server_hostname: str | None,
        timeout: float | None,
    ) -> Connection:
        loop = asyncio.get_running_loop()
        connection = Connection(address)
        try:
            async with asyncio.timeout(timeout):
                await loop.create_connection(
                    lambda: connection,
                    address,
                    port,
                    ssl=ssl_context,
                    server_hostname=server_hostname,
                )
        except TimeoutError:
            connection._close()
            raise httpx.ConnectTimeout("no connection in time", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            connection._close()
            raise httpx.ConnectError(f"could not connect ({exc})", request=request) from None
        return connection

    async def aclose(self) -> None:
        for kept in self.idle.values():
            for connection in kept:
                connection._close()
        self.idle.clear()
