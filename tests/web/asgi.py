"""Talking to an ASGI application the way a server does, for the layers that sit in front of
Django (likewatch.asgi)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


def scope(path: str, headers: dict[str, str] | None = None, method: str = "GET") -> dict:
    path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1")]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


@dataclass
class Answer:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


async def get(app, path: str, headers: dict[str, str] | None = None) -> Answer:
    """One whole request and its answer."""
    answer = Answer()
    asked = False

    async def receive():
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()

    async def send(message):
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        else:
            answer.body += message.get("body", b"")

    await app(scope(path, headers), receive, send)
    return answer


class Stream:
    """A request whose answer keeps coming (an event stream); `leave()` disconnects."""

    def __init__(self, app, path: str, headers: dict[str, str] | None = None):
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.outgoing: asyncio.Queue = asyncio.Queue()
        self.incoming.put_nowait({"type": "http.request", "body": b"", "more_body": False})
        self.task = asyncio.ensure_future(
            app(scope(path, headers), self.incoming.get, self.outgoing.put)
        )

    async def start(self, timeout: float = 5) -> tuple[int, dict[str, str]]:
        message = await asyncio.wait_for(self.outgoing.get(), timeout)
        return message["status"], {k.decode(): v.decode() for k, v in message["headers"]}

    async def next_body(self, timeout: float = 5) -> bytes:
        message = await asyncio.wait_for(self.outgoing.get(), timeout)
        return message.get("body", b"")

    async def leave(self, timeout: float = 5) -> None:
        self.incoming.put_nowait({"type": "http.disconnect"})
        await asyncio.wait_for(self.task, timeout)
