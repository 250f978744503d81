"""A loopback HTTP server of JSON endpoints for the polling-cost benchmark, cheap to run.

Usage: python -m bench._json_server PAGES (prints "listening on http://127.0.0.1:PORT").
`GET /p/N` answers `{"data": {"count": C}}`: page N's count, which changes every minute for
odd N and never for even N (half the pages change at every 60-second fetch, as in the poller
benchmark). Plain asyncio with keep-alive, so the server's own cost stays small and out of the
poller's figures (it runs in its own process). `GET /metrics?page=N` answers the same count in the
Prometheus text format, for the Prometheus peer (one target per page); `GET /served` says how
many answers of each kind the server gave.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


def count(page: int) -> int:
    minute = int(time.time() // 60)
    return 100_000 + page + (minute % 97 if page % 2 else 0)


SERVED = {"json": 0, "metrics": 0}


class Endpoint(asyncio.Protocol):
    def connection_made(self, transport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            self.answer(line.split(" ")[1] if line.count(" ") >= 2 else "/")

    def answer(self, path: str) -> None:
        status, kind, body = "404 Not Found", "application/json", b'{"error": "no such page"}'
        route, _, query = path.partition("?")
        if route.startswith("/p/") and route[3:].isdigit():
            SERVED["json"] += 1
            status = "200 OK"
            body = json.dumps({"data": {"count": count(int(route[3:]))}}).encode()
        elif route == "/served":  # how many answers of each kind so far (for the peers' figures)
            status, body = "200 OK", json.dumps(SERVED).encode()
        elif route == "/metrics":
            SERVED["metrics"] += 1
            page = int(query.partition("page=")[2] or 0)
            status, kind = "200 OK", "text/plain; version=0.0.4"
            body = f'page_count{{page="{page}"}} {count(page)}\n'.encode()
        self.transport.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Connection: keep-alive\r\n\r\n".encode()
            + body
        )


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Endpoint, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    del sys.argv[1:]
    asyncio.run(main())
