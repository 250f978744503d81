"""The public site's own address, for every link that leaves it: alert links, the share card
attached to alerts, og:image, feeds and embeds.

SITE_URL, when set, is the answer everywhere. When it is not, a web process answers with the
address the current request came to (its scheme and validated Host), so links point at the
server the reader actually reached, and `likewatch run` hands its own --host/--port to the
processes it starts (alerts are sent outside any request). A production site should set it:
the `likewatch.W100` system check says so.
"""

from __future__ import annotations

import contextvars
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import DisallowedHost

# The origin of the request being answered, set by OriginMiddleware (a context variable, so
# concurrent requests of one ASGI process never see each other's).
_origin: contextvars.ContextVar[str] = contextvars.ContextVar("likewatch_origin", default="")

# Outside a request, with SITE_URL unset and no address handed down: Django's usual one.
LAST_RESORT = "http://127.0.0.1:8000"


def url() -> str:
    """The site's base address, without a trailing slash."""
    configured = (getattr(settings, "SITE_URL", "") or "").strip()
    return (configured or _origin.get() or LAST_RESORT).rstrip("/")


def absolute(path: str) -> str:
    """`path` on the public site."""
    return url() + path


def name() -> str:
    """The site's host, as a card's footer shows it."""
    return urlsplit(url()).netloc or "likewatch"


def served_at(host: str, port: int) -> str:
    """The address a server bound to host:port is reached at (a wildcard bind: this machine's
    name, since 0.0.0.0 is no address to click)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn() or "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class OriginMiddleware:
    """Remembers the current request's origin for `url()` while the request is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            origin = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            origin = ""
        token = _origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


def check_site_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """In production an unset SITE_URL leaves alerts guessing the address."""
    production = getattr(settings, "LIKEWATCH_PRODUCTION", False)
    if not production or (getattr(settings, "SITE_URL", "") or "").strip():
        return []
    return [
        checks.Warning(
            "SITE_URL is not set.",
            hint=(
                "Pages take their links from each request, but alerts are sent outside any "
                "request and would link to "
                + LAST_RESORT
                + ". Set SITE_URL to the public address, e.g. https://likewatch.example.org."
            ),
            id="likewatch.W100",
        )
    ]
