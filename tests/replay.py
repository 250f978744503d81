"""A replay server: answers HTTP requests on 127.0.0.1 with recorded platform answers.

Each fixture file (tests/fixtures/<platform>/<name>.json) is one answer:

    {"_source": "where the body comes from", "status": 200, "headers": {...}, "body": {...}}

with `body_text` instead of `body` for answers that are not JSON (HTML pages, broken
bodies). Tests route a path (and optionally required query parameters) to a fixture or to a
function, point a source's base URL at `server.base_url`, and read what the source asked in
`server.requests`. The sources talk to it over real HTTP, exactly as to the platform.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Request:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str:
        values = self.query.get(name, [])
        return values[0] if values else ""


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


Responder = Callable[[Request], Answer]


def load(name: str) -> dict:
    """A fixture file's content, e.g. load('youtube/channels_batch')."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def answer_from(fixture: dict) -> Answer:
    """The HTTP answer a fixture describes."""
    if "body_text" in fixture:
        body = fixture["body_text"].encode("utf-8")
        content_type = "text/html; charset=utf-8"
    else:
        body = json.dumps(fixture["body"]).encode("utf-8")
        content_type = "application/json; charset=utf-8"
    headers = {"Content-Type": content_type, **fixture.get("headers", {})}
    return Answer(fixture.get("status", 200), headers, body)


class ReplayServer:
    """The server. Use as a context manager; routes are matched newest first."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, dict[str, str], Responder]] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                parts = urlsplit(self.path)
                request = Request(
                    parts.path, parse_qs(parts.query, keep_blank_values=True), dict(self.headers)
                )
                answer = server.answer(request)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_port}"
        self._thread: threading.Thread | None = None

    def route(
        self,
        path: str,
        fixture: str | dict | Responder,
        *,
        when: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer GET `path` (with the query parameters in `when`) with a fixture or function.

        `headers` adds or overrides answer headers, e.g. a rate-limit window.
        """
        if callable(fixture):
            responder = fixture
        else:
            content = load(fixture) if isinstance(fixture, str) else fixture
            if headers:
                content = {**content, "headers": {**content.get("headers", {}), **headers}}
            answer = answer_from(content)

            def responder(request: Request, answer: Answer = answer) -> Answer:
                return answer

        with self._lock:
            self.routes.insert(0, (path, when or {}, responder))

    def answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            routes = list(self.routes)
        for path, when, responder in routes:
            if path == request.path and all(request.param(k) == v for k, v in when.items()):
                return responder(request)
        body = json.dumps({"error": f"no fixture for {request.path}"}).encode()
        return Answer(404, {"Content-Type": "application/json"}, body)

    def asked(self, path: str) -> list[Request]:
        """The requests received for `path`."""
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> ReplayServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)


def drive(source, step):
    """Run `step(source)` on a fresh event loop, then close the source's connections."""
    import asyncio

    async def go():
        try:
            return await step(source)
        finally:
            await source.aclose()

    return asyncio.run(go())
