"""HTTP behaviour of the read-only API: CORS for reads, ETags, 304s and cache headers.

Kept out of the endpoints so that every answer under /api/ behaves the same, including the
OpenAPI document and errors.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, set_response_etag

PREFIX = "/api/"
DEFAULT_CACHE = "public, max-age=30, stale-while-revalidate=30"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Cache-Control, Content-Language",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    # If-None-Match is not a "simple" header: a page that revalidates by hand needs it allowed.
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


class ReadOnlyAPIMiddleware:
    """Answers CORS preflights and makes every successful read conditional and cacheable.

    The ETag is a hash of the body: the API's answers depend on the history (which grows by
    the minute) and on the parameters, and hashing what is sent is the only key that can
    never be stale. A client that sends If-None-Match gets 304 with no body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            return _with(HttpResponse(status=204), PREFLIGHT)
        response = self.get_response(request)
        _with(response, CORS)
        if "authorization" in request.headers:
            # An authenticated answer (the organisers' API) is for its caller alone.
            response["Cache-Control"] = "private, no-store"
            return response
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            response.headers.setdefault("Cache-Control", "no-store")
            return response
        response.headers.setdefault("Cache-Control", DEFAULT_CACHE)
        if response.streaming:
            return response
        if "ETag" not in response.headers:
            # Endpoints that know their ETag before working (history) set it themselves.
            set_response_etag(response)
        conditional = get_conditional_response(
            request, etag=response.headers["ETag"], response=response
        )
        return _with(conditional, CORS) if conditional is not response else response


def _with(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for name, value in headers.items():
        response.headers[name] = value
    return response
