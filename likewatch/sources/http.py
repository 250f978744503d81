"""The HTTP plumbing every source shares: one client, network failures as typed errors."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings

from likewatch import __version__
from likewatch.sources.errors import InvalidAnswer, Transient

USER_AGENT = f"likewatch/{__version__} (+https://github.com/likewatch)"
SECRET_PARAMS = {"access_token", "key", "token", "api_key"}


def make_client(**kwargs) -> httpx.AsyncClient:
    """An async client with likewatch's timeout and user agent."""
    kwargs.setdefault("timeout", settings.LIKEWATCH_HTTP_TIMEOUT)
    kwargs.setdefault("headers", {"User-Agent": USER_AGENT})
    kwargs.setdefault("follow_redirects", False)
    return httpx.AsyncClient(**kwargs)


def public_url(url: str, params: dict[str, Any] | None = None) -> str:
    """The address asked, with credentials removed, for the record of where a number came from."""
    shown = {k: v for k, v in (params or {}).items() if k not in SECRET_PARAMS}
    return f"{url}?{urlencode(shown)}" if shown else url


@dataclass
class Answer:
    """A platform's HTTP answer, read whole."""

    status: int
    headers: httpx.Headers
    body: bytes
    duration_ms: int
    url: str

    def json(self) -> Any:
        """The body as JSON, or InvalidAnswer naming what came back instead."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            preview = self.body[:80].decode("utf-8", "replace")
            raise InvalidAnswer(
                f"HTTP {self.status}: the answer is not JSON ({preview!r}…)", raw=self.body
            ) from None


async def get(client: httpx.AsyncClient, url: str, params: dict[str, Any]) -> Answer:
    """GET `url`; network errors and timeouts become Transient."""
    started = time.monotonic()
    try:
        response = await client.get(url, params=params)
        body = await response.aread()
    except httpx.TimeoutException:
        raise Transient(f"timed out after {time.monotonic() - started:.1f} s") from None
    except httpx.HTTPError as exc:
        raise Transient(f"network error: {type(exc).__name__}: {exc}") from None
    return Answer(
        status=response.status_code,
        headers=response.headers,
        body=body,
        duration_ms=int((time.monotonic() - started) * 1000),
        url=public_url(url, params),
    )


def retry_after(headers: httpx.Headers, now: datetime | None = None) -> datetime | None:
    """When a `Retry-After` header (seconds or an HTTP date) allows the next request."""
    raw = (headers.get("retry-after") or "").strip()
    if not raw:
        return None
    now = now or datetime.now(UTC)
    if raw.isdigit():
        return now + timedelta(seconds=min(int(raw), 86400))
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(now, min(moment, now + timedelta(days=1)))
