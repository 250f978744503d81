"""A local stand-in for the Facebook Graph API, driven by a scenario.

It answers the requests the Facebook source makes, in the Graph API's JSON shapes and with its
error bodies and usage headers, on 127.0.0.1 only. The demo and the tests point the real
source at it: only the base URL differs from production.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from likewatch.simulator.scenario import Scenario

FIELD_NAMES = {"followers_count": "followers", "fan_count": "likes"}


class SimClock:
    """Simulated hours since the scenario's hour 0, running `acceleration` times real time."""

    def __init__(self, acceleration: float, start_hour: float = 0.0) -> None:
        self.acceleration = acceleration
        self._start_hour = start_hour
        self._t0 = time.monotonic()
        # The real moment (epoch seconds) of hour 0, for what is dated in real time: the
        # demo's seeded past (likewatch.simulator.past) reads this clock backwards.
        self.hour_zero = time.time() - start_hour * 3600 / acceleration
        self._frozen: float | None = None

    def hour(self) -> float:
        if self._frozen is not None:
            return self._frozen
        return self._start_hour + (time.monotonic() - self._t0) * self.acceleration / 3600

    def freeze(self, hour: float) -> None:
        """Stop the clock at `hour` (tests use this to ask for a known moment)."""
        self._frozen = hour


class GraphSimulator:
    """The HTTP server. `start()` runs it on a thread; `base_url` is where to point a source."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        clock: SimClock | None = None,
        calls_per_minute: float = 600,
    ) -> None:
        self.scenario = scenario
        self.clock = clock or SimClock(scenario.acceleration)
        self.token = token  # None accepts any non-empty token
        self.calls_per_minute = calls_per_minute
        self.requests = 0
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"sim": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> GraphSimulator:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> GraphSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def usage_percent(self) -> int:
        """Calls in the last real minute, as a percentage of the allowance (X-App-Usage)."""
        now = time.monotonic()
        with self._lock:
            self._recent.append(now)
            self.requests += 1
            while self._recent and self._recent[0] < now - 60:
                self._recent.popleft()
            return min(100, round(100 * len(self._recent) / self.calls_per_minute))

    # The Graph API --------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict, dict]:
        """Status, body and extra headers for one request."""
        usage = self.usage_percent()
        hour = self.clock.hour()
        headers = {
            "X-App-Usage": json.dumps(
                {"call_count": usage, "total_cputime": usage // 2, "total_time": usage // 2}
            )
        }
        token = (query.get("access_token") or [""])[0]
        if not token:
            return 400, _error(104, "An access token is required to request this resource."), {}
        if (self.token is not None and token != self.token) or self.scenario.active(
            "expired_token", hour
        ):
            return 400, _error(190, "Error validating access token: Session has expired.", 463), {}
        if self.scenario.active("outage", hour):
            body = _error(2, "An unexpected error has occurred. Please retry your request later.")
            body["error"]["is_transient"] = True
            return 500, body, headers
        if self.scenario.active("rate_limit_storm", hour) or usage >= 100:
            headers["X-App-Usage"] = json.dumps(
                {"call_count": 100, "total_cputime": 40, "total_time": 40}
            )
            return 403, _error(4, "(#4) Application request limit reached"), headers

        fields = _fields(query)
        parts = [p for p in path.split("/") if p]
        if len(parts) == 1 and "ids" in query:
            keys = [k for k in query["ids"][0].split(",") if k]
            missing = [k for k in keys if self.scenario.page(k) is None]
            if missing:
                return 404, _missing(missing), headers
            return 200, {k: self._page(k, fields, hour) for k in keys}, headers
        if len(parts) == 2:
            if self.scenario.page(parts[1]) is None:
                return 404, _missing([parts[1]]), headers
            return 200, self._page(parts[1], fields, hour), headers
        return 400, _error(100, "Unsupported get request."), headers

    def _page(self, key: str, fields: list[str], hour: float) -> dict:
        page = self.scenario.page(key)
        values = {
            "id": page.id,
            "name": page.name,
            "username": page.username,
            "link": f"https://www.facebook.com/{page.username}",
        }
        for field, metric in FIELD_NAMES.items():
            if metric in page.counts:
                values[field] = page.count(metric, hour)
        return {f: values[f] for f in fields if f in values} | {"id": page.id}


def _fields(query: dict[str, list[str]]) -> list[str]:
    raw = (query.get("fields") or ["id,name"])[0]
    return [f.strip() for f in raw.split(",") if f.strip()]


def _error(code: int, message: str, subcode: int | None = None) -> dict:
    error = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(8),
    }
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


def _missing(keys: list[str]) -> dict:
    return _error(803, "(#803) Some of the aliases you requested do not exist: " + ",".join(keys))


class _Handler(BaseHTTPRequestHandler):
    sim: GraphSimulator
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        parts = urlsplit(self.path)
        status, body, headers = self.sim.answer(parts.path, parse_qs(parts.query))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        # Quiet: the demo's terminal is for the poller's and the web server's lines.
        return
