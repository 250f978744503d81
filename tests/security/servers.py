"""Fake services on loopback for the attack tests: an internal service that must never be
reached, a site that redirects, a server that drips, a gzip bomb.

Each server counts the requests it received, so a test can say "nothing was fetched".
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = b'{"internal": "db-password-hunter2", "count": 4242}'


class FakeServer:
    """A threaded HTTP server on `host` answering every GET with `answer(handler)`."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler], None], host="127.0.0.1", port=0):
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server.hits.append(self.path)
                answer(self)

            do_POST = do_GET  # noqa: N815 (Apprise posts)

            def log_message(self, *args) -> None:
                return

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host = host

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> FakeServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(handler, status=200, body=b"", headers=None) -> None:
    handler.send_response(status)
    for name, value in (headers or {"Content-Type": "application/json"}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def internal() -> FakeServer:
    """An internal service holding a secret: it must never be asked anything."""
    return FakeServer(lambda h: reply(h, body=SECRET))


def redirecting(to: str, host="127.0.0.2") -> FakeServer:
    """A "public" site (on an address the test allows) that redirects to `to`."""
    return FakeServer(lambda h: reply(h, 302, b"", {"Location": to}), host=host)


def dripping(seconds_per_byte: float = 0.5, host="127.0.0.2") -> FakeServer:
    """A site that sends its answer one byte at a time, forever (until the client leaves)."""

    def drip(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            for _ in range(100000):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(seconds_per_byte)
        except OSError:
            pass

    return FakeServer(drip, host=host)


def gzip_bomb(inflated: int = 200 * 2**20, host="127.0.0.2") -> FakeServer:
    """A site whose small gzip answer inflates to `inflated` bytes."""
    body = gzip.compress(b"0" * inflated, compresslevel=9)

    def bomb(handler) -> None:
        reply(handler, body=body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})

    server = FakeServer(bomb, host=host)
    server.compressed_size = len(body)
    return server


def free_port_on_both(first="127.0.0.2", second="127.0.0.1") -> int:
    """A port free on both loopback addresses (for one name resolving to either)."""
    for _ in range(50):
        with socket.socket() as a, socket.socket() as b:
            a.bind((first, 0))
            port = a.getsockname()[1]
            try:
                b.bind((second, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no port free on both addresses")
