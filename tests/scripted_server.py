"""A local HTTP server on 127.0.0.1 that answers with scripted responses, for fault tests.

Each request takes the next scripted answer (the last one repeats); every request is logged.
Use it where an answer must be broken in a way no platform documents (truncated JSON, an HTML
login wall): the client under test still speaks real HTTP to a real socket.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Scripted:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0


class ScriptedServer:
    def __init__(self, *answers: Scripted) -> None:
        self.answers = list(answers) or [Scripted()]
        self.requests: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                answer = server.next_answer(self.path)
                if answer.delay:
                    threading.Event().wait(answer.delay)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    def next_answer(self, path: str) -> Scripted:
        with self._lock:
            self.requests.append(path)
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
