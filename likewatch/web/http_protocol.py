"""The HTTP protocol `likewatch serve` speaks: uvicorn's (httptools), an answer's head and
body sent in one write instead of one per ASGI message.

uvicorn writes an answer's status line and headers to the socket as soon as the application
sends `http.response.start`, then its body on `http.response.body`: two send() calls and two
TCP segments for every answer, where one would do. A board served from the micro-cache costs
little more than those writes: py-spy on the web process under 100 clients (wrk, SQLite,
two-core machine) put 37% of its samples in the headers' write alone. With the head held
until the end of its turn and written with the body, the event loop's stalls of over 20 ms
in an 8-second crowd went from 59-69 to 2-7 (longest 36-44 -> 22-25 ms), and `python -m
bench board`'s page p99 from 26-120 ms to 20-25 ms (SQLite, load 4-6).

Only what is written in the head's own turn waits for the end of that turn. A stream's later
parts (live board events, a large export's chunks) are written as they come: holding those
too made 5,000 live listeners' news 0.5-1.2 s later (the write of each of them postponed to
a callback of its own).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeadersWithBody:
    """A transport that holds an answer's status line and headers, and what follows them in
    the same turn of the event loop, and writes them together at the end of that turn.

    An answer from the micro-cache (its start and its whole body sent in one turn) leaves in
    one write. Nothing else waits: an event stream's events and a large export's chunks, in
    later turns, are written as they come, as uvicorn writes them (holding those too until
    the end of their turn made 5,000 live listeners' news 0.5-1.2 s later). Everything but
    writing and closing is the wrapped transport's own (flow control, peer address…).
    """

    __slots__ = ("_transport", "_loop", "_pending")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is not None:
            self._pending.append(data)
        elif data.startswith(b"HTTP/"):  # uvicorn writes a status line and headers at once
            self._pending = [data]
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        """Write what is held now (at the end of its turn, and before closing)."""
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.writelines(pending)

    def close(self) -> None:
        # A "Connection: close" answer is written, then the connection closed: in that order.
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through HeadersWithBody."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(HeadersWithBody(transport, self.loop))  # type: ignore[arg-type]
