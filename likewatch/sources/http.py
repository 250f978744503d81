"""The HTTP plumbing every source shares: one client, network failures as typed errors."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch import __version__
from likewatch.security import outbound
from likewatch.sources import freshness, limits
from likewatch.sources.base import Source
from likewatch.sources.errors import InvalidAnswer, MissingCredentials, RateLimited, Transient

USER_AGENT = f"likewatch/{__version__} (+https://github.com/likewatch)"
SECRET_PARAMS = {"access_token", "key", "token", "api_key"}


def make_client(**kwargs) -> httpx.AsyncClient:
    """An async client with likewatch's timeout and user agent, through the outbound guard.

    Every address it connects to, redirects included, is checked by
    `likewatch.security.outbound` (public internet addresses only, unless the operator allows
    more).
    """
    kwargs.setdefault("timeout", settings.LIKEWATCH_HTTP_TIMEOUT)
    kwargs.setdefault("headers", {"User-Agent": USER_AGENT})
    kwargs.setdefault("follow_redirects", False)
    return outbound.client(**kwargs)


Params = dict[str, Any] | list[tuple[str, Any]]


def public_url(url: str, params: Params | None = None) -> str:
    """The address asked, with credentials removed, for the record of where a number came from."""
    items = params.items() if isinstance(params, dict) else (params or [])
    shown = [(k, v) for k, v in items if k not in SECRET_PARAMS]
    return f"{url}?{urlencode(shown)}" if shown else url


@dataclass
class Answer:
    """A platform's HTTP answer, read whole."""

    status: int
    headers: httpx.Headers
    body: bytes
    duration_ms: int
    url: str
    final_url: str = ""  # where redirects led, when the client follows them
    # When the platform produced it, by its own Date, Age and Last-Modified (sources.freshness):
    # a cache that stopped keeps answering with an old one.
    produced_at: datetime | None = None

    def json(self) -> Any:
        """The body as JSON, or InvalidAnswer naming what came back instead."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            # Never quote the answer: it may come from somewhere it should not be shown.
            kind = self.headers.get("content-type", "no content type").split(";")[0][:60]
            raise InvalidAnswer(
                f"HTTP {self.status}: the answer is not JSON ({kind}, {len(self.body)} bytes)",
                raw=self.body,
            ) from None


async def get(
    client: httpx.AsyncClient,
    url: str,
    params: Params,
    *,
    headers: dict[str, str] | None = None,
    shown_url: str | None = None,
) -> Answer:
    """GET `url`; network errors and timeouts become Transient.

    `shown_url` replaces `url` in the record when the address itself holds a secret
    (Telegram puts the bot token in the path).
    """
    started = time.monotonic()
    try:
        exchange = await outbound.send(client, "GET", url, params=params, headers=headers)
    except outbound.Refused as exc:
        raise InvalidAnswer(
            str(exc),
            hint=_(
                "likewatch only fetches public internet addresses; the operator can allow "
                "others with LIKEWATCH_OUTBOUND_ALLOW."
            ),
        ) from None
    except (outbound.TooLarge, outbound.Unreadable) as exc:
        raise InvalidAnswer(str(exc)) from None
    except outbound.DeadlinePassed as exc:
        raise Transient(str(exc)) from None
    except httpx.TimeoutException:
        raise Transient(f"timed out after {time.monotonic() - started:.1f} s") from None
    except httpx.InvalidURL:
        raise InvalidAnswer("the address is malformed") from None
    except httpx.TooManyRedirects:
        raise InvalidAnswer("too many redirects") from None
    except httpx.HTTPError as exc:
        raise Transient(f"network error: {type(exc).__name__}") from None
    response = exchange.response
    return Answer(
        status=response.status_code,
        headers=response.headers,
        body=exchange.body,
        duration_ms=exchange.duration_ms,
        url=public_url(shown_url or url, params),
        final_url=str(response.url),
        produced_at=freshness.produced_at(response.headers, timezone.now()),
    )


class HTTPSource(Source):
    """A source that asks a platform over HTTP: configuration, one client, rate-limit pacing.

    `cooldown_until` is the moment before which the poller sends nothing more to the platform;
    every answer's rate-limit headers move it (see `limits`). `calls` counts the requests
    sent, which the benchmark reports per page read.
    """

    def __init__(self, config: dict | None = None, client: httpx.AsyncClient | None = None):
        if config is None:
            config = settings.LIKEWATCH_SOURCES.get(self.platform, {})
        self.config = config
        self.base_url = str(config.get("base_url", "")).rstrip("/")
        self.client = client or make_client()
        self.cooldown_until: datetime | None = None
        self.calls = 0

    async def aclose(self) -> None:
        await self.client.aclose()

    def require_credentials(self) -> None:
        """Raise MissingCredentials, saying what to set, when a credential is not configured."""
        problem = self.credential_problem(self.config)
        if problem:
            raise MissingCredentials(problem)

    async def fetch(self, url: str, params: Params, **kwargs) -> Answer:
        """GET once, counting the call and noting the rate-limit headers of the answer."""
        self.calls += 1
        answer = await get(self.client, url, params, **kwargs)
        self.note_limits(answer)
        return answer

    def note_limits(self, answer: Answer) -> None:
        """Slow down before the window is spent (see `limits.cooldown`)."""
        win = limits.window(answer.headers, timezone.now())
        if win is not None:
            self.cooldown_until = limits.cooldown(win, timezone.now())

    def refusal(self, answer: Answer, message: str, default: timedelta = timedelta(minutes=1)):
        """The RateLimited error for a refused request, retrying when the platform says."""
        retry_at = limits.refusal_time(answer.headers, timezone.now(), default)
        self.cooldown_until = retry_at
        return RateLimited(message, retry_at=retry_at, raw=answer.body)

    @staticmethod
    def server_trouble(answer: Answer) -> Transient | None:
        """Transient for a server error answer, None otherwise."""
        if answer.status >= 500:
            return Transient(f"HTTP {answer.status} from the platform", raw=answer.body)
        return None
