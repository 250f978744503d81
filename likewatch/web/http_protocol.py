"""The HTTP protocol `likewatch serve` speaks: uvicorn's (httptools), each answer sent in one
write instead of one per ASGI message.

uvicorn writes an answer's status line and headers to the socket as soon as the application
sends `http.response.start`, then its body on `http.response.body`: two send() calls and two
TCP segments for every answer, where one would do. A board served from the micro-cache costs
little more than those writes, and py-spy on the web process under 100 clients (wrk, SQLite,
two-core machine) put 37% of its samples in the headers' write alone. Coalesced, the loop
stalls of over 20 ms in an 8-second crowd went from 59-69 to 2-7 and the page's p99 from
104-171 ms to 27 ms, the CPU per request unchanged (61-67 µs).

What is written during one turn of the event loop is held and handed to the socket in one
`writelines` (one writev) at the end of that turn: an answer from the micro-cache, whose
start and body are sent in the same turn, leaves in one segment; a streamed answer (an event
stream, a large export) still leaves as it comes, a turn later at most.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class OneWritePerTurn:
    """A transport whose writes during one event-loop turn reach the socket together.

    Everything but writing and closing is the wrapped transport's own (flow control, peer
    address, pause_reading…).
    """

    __slots__ = ("_transport", "_loop", "_pending")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self.flush)
        else:
            self._pending.append(data)

    def writelines(self, lines) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        """Hand what is held to the socket now (once per turn, and before closing)."""
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
    """uvicorn's httptools protocol writing through OneWritePerTurn."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(OneWritePerTurn(transport, self.loop))  # type: ignore[arg-type]
