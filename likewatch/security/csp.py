"""Content-Security-Policy on every response.

The policy forbids inline script and inline style, so a name or description that slipped
through escaping still cannot run. Pages keep their scripts and styles in static files.
A view that must be framed by other sites (an embed) marks itself with Django's
`xframe_options_exempt`; it then gets LIKEWATCH_CSP_EMBED_FRAME_ANCESTORS instead.
"""

from __future__ import annotations

from django.conf import settings

HEADER = "Content-Security-Policy"


def policy(directives: dict[str, list[str]]) -> str:
    """The header value for a {directive: [sources]} mapping."""
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Add LIKEWATCH_CSP to responses that do not set their own policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER in response:
            return response
        directives = dict(settings.LIKEWATCH_CSP)
        if getattr(response, "xframe_options_exempt", False):
            directives["frame-ancestors"] = list(settings.LIKEWATCH_CSP_EMBED_FRAME_ANCESTORS)
        response[HEADER] = policy(directives)
        return response
