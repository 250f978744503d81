"""A small cache-backed rate limiter (fixed windows), shared by every process using the cache.

With REDIS_URL set the cache is Redis, so all web processes count together; by default it
is local memory, which limits each process on its own. Rates are written "10/m": a number of
hits per second (s), minute (m), hour (h) or day (d), optionally with a count: "20/15m".
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.translation import gettext as _

from likewatch.security import throttling

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        match = RATE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a rate like '10/m' or '100/15m'")
        count, multiplier, unit = match.groups()
        return cls(int(count), int(multiplier or 1) * UNITS[unit])


def hit(scope: str, key: str, rate: str | Rate, now: float | None = None) -> int | None:
    """Count one hit; None when allowed, else the seconds until the window resets."""
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    cache_key = f"likewatch:rl:{scope}:{key}:{window}"
    cache = caches[settings.LIKEWATCH_RATE_LIMIT_CACHE]
    # add() is atomic: the first hit of a window creates the counter, the rest increment it.
    if cache.add(cache_key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.add(cache_key, 1, timeout=rate.seconds + 1)
            count = 1
    if count > rate.limit:
        return max(1, int((window + 1) * rate.seconds - now))
    return None


def client_ip(request) -> str:
    """The client's address (see `throttling.client_ip`: proxies only when declared)."""
    return throttling.client_ip(request)


def too_many(retry_after: int) -> HttpResponse:
    response = HttpResponse(
        _("Too many requests. Please wait %(seconds)d seconds and try again.")
        % {"seconds": retry_after},
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    return response


class PublicApiRateLimitMiddleware:
    """Limit requests to the paths in LIKEWATCH_RATE_LIMITED_PATHS per client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(request.path.startswith(p) for p in settings.LIKEWATCH_RATE_LIMITED_PATHS):
            wait = hit("api", client_ip(request), settings.LIKEWATCH_RATE_LIMITS["api"])
            if wait:
                return too_many(wait)
        return self.get_response(request)


def limit_posts(scope: str):
    """Decorate a view: limit its POSTs per client address with LIKEWATCH_RATE_LIMITS[scope]."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                wait = hit(scope, client_ip(request), settings.LIKEWATCH_RATE_LIMITS[scope])
                if wait:
                    return too_many(wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
