"""Sign-in throttling on every way in, with django-axes, and who the client is.

django-axes counts failed sign-ins (the organisers' page, the admin's, and API tokens, which
report theirs through `token_failed`) and refuses further attempts for LIKEWATCH_LOGIN_COOLOFF
minutes once LIKEWATCH_LOGIN_FAILURES have failed: per user name (however many addresses a
guesser uses) and per client address (however many names it tries). Failures are kept in the
database, so every web process counts together.

The client address is the connection's, unless the connection comes from a proxy the operator
declared in LIKEWATCH_TRUSTED_PROXIES: only then is X-Forwarded-For read, from the right, and
the first address that is not itself a trusted proxy is the client. A header sent by the
client itself is never believed, so no visitor can pose as another (or as everyone).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

# What the failures of API tokens are recorded under (they name no user).
API_TOKEN = "api-token"


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]):
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def trusted_proxies():
    return _networks(tuple(getattr(settings, "LIKEWATCH_TRUSTED_PROXIES", ()) or ()))


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in n for n in networks if n.version == ip.version)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's, or what trusted proxies say it was."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = trusted_proxies()
    if not networks or not _trusted(remote, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    # Read from the right: each trusted proxy appended the address it saw.
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop.strip("[]")))
            except ValueError:
                return remote  # a malformed entry: believe nothing beyond our own proxy
    return hops[0] if hops else remote


def lockout_parameters(request, credentials) -> list:
    """Per user name and per client; API tokens (which name no user) per client only."""
    if credentials and credentials.get(settings.AXES_USERNAME_FORM_FIELD) == API_TOKEN:
        return ["ip_address"]
    return ["username", "ip_address"]


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """The answer to a locked-out attempt: 429, in JSON under /api/."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-in attempts. Please wait %(minutes)d minutes and try again."
    ) % {"minutes": minutes}
    headers = {"Retry-After": str(int(settings.AXES_COOLOFF_TIME.total_seconds()))}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429, headers=headers)
    return HttpResponse(
        message, status=429, content_type="text/plain; charset=utf-8", headers=headers
    )


def _credentials() -> dict:
    return {settings.AXES_USERNAME_FORM_FIELD: API_TOKEN}


def token_locked(request: HttpRequest) -> bool:
    """True when this client has failed with API tokens too often lately."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, _credentials())


def token_failed(request: HttpRequest) -> None:
    """Count a wrong API token against the client, as a failed sign-in."""
    user_login_failed.send(sender=__name__, credentials=_credentials(), request=request)
