"""Exports: a page's or a campaign's full history as CSV or JSON.

    /export/p/<id>.csv    /export/p/<id>.json
    /export/c/<slug>.csv  /export/c/<slug>.json

The format (columns, JSON shape) is likewatch.exports', shared with `likewatch export` and
described in docs/exports.md.

Histories can hold millions of records, so the answer is streamed: rows are read from the
database in chunks and written as they come, never held in memory. Under ASGI (uvicorn)
Django would buffer a synchronous iterator whole, so there the rows go through an asynchronous
iterator that reads one batch at a time in the database thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import islice

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from likewatch.exports import campaign_info, csv_lines, json_chunks, page_info
from likewatch.public import campaign_pages, get_campaign, get_page
from likewatch.tracking import visibility
from likewatch.tracking.models import Page

BATCH = 500
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _stream(request: HttpRequest, lines: Iterator[str]) -> Iterator[str] | AsyncIterator[str]:
    """Lines joined into batches; asynchronous under ASGI so that nothing is buffered whole."""

    def batches() -> Iterator[str]:
        while batch := "".join(islice(lines, BATCH)):
            yield batch

    if not isinstance(request, ASGIRequest):
        return batches()

    async def read() -> AsyncIterator[str]:
        source = batches()
        take = sync_to_async(lambda: next(source, None), thread_sensitive=True)
        while (batch := await take()) is not None:
            yield batch

    return read()


def _respond(
    request, fmt: str, name: str, subject: dict, pages: list[Page], annotations: list | None = None
):
    if fmt not in FORMATS:
        raise Http404(_("Exports come as .csv or .json."))
    lines = csv_lines(pages, annotations or []) if fmt == "csv" else json_chunks(subject, pages)
    response = StreamingHttpResponse(_stream(request, lines), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "public, max-age=60"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def page_export(request: HttpRequest, page_id: int, fmt: str):
    page = get_page(page_id)
    subject = {"page": page_info(page)}
    return _respond(request, fmt, f"likewatch-page-{page.pk}", subject, [page])


@require_safe
def campaign_export(request: HttpRequest, slug: str, fmt: str):
    campaign = get_campaign(slug)
    entries = campaign_pages(campaign)
    notes = list(visibility.annotations_of(campaign).values("at", "text"))
    subject = {"campaign": campaign_info(campaign, entries, notes)}
    pages = [page for page, _ in entries]
    return _respond(request, fmt, f"likewatch-{campaign.slug}", subject, pages, notes)
