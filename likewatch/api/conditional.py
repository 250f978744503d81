"""ETags known before any work: for the history endpoints, whose answers are costly.

A history answer depends only on the request's address and on the state of the pages it
reads; a page's state moves with every record appended (last_seq) and every fetch (the last
success or error). Hashing those gives the ETag without reading a single span, so a client
or proxy revalidating an unchanged history gets its 304 at the cost of one row per page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response

from likewatch.tracking.models import Page

# Bump when the shape of history answers changes, so no client keeps an old one.
REVISION = "history-1"


def history_etag(request: HttpRequest, pages: Iterable[Page], *extra: object) -> str:
    parts: list[object] = [REVISION, request.get_full_path(), *extra]
    parts += [(p.pk, p.last_seq, p.last_success_at, p.last_error_at) for p in pages]
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:40] + '"'


def not_modified(request: HttpRequest, etag: str, cache_control: str) -> HttpResponse | None:
    """A 304 when the client already holds `etag`, else None."""
    response = get_conditional_response(request, etag=etag)
    if response is None:
        return None
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response
