"""Exports: a page's or a campaign's full history as CSV or JSON.

    /export/p/<id>.csv    /export/p/<id>.json
    /export/c/<slug>.csv  /export/c/<slug>.json

Every record of each page's chain, in seq order: spans (value, precision, first and last seen,
fetches, provenance, source URL) and failed fetches, each with its prev_hash and hash, so a
researcher can check the chain (see likewatch.tracking.chain).

Histories can hold millions of records, so the answer is streamed: rows are read from the
database in chunks and written as they come, never held in memory. Under ASGI (uvicorn)
Django would buffer a synchronous iterator whole, so there the rows go through an asynchronous
iterator that reads one batch at a time in the database thread.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) get a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from likewatch.evidence.records import FAILURE_FIELDS, OBSERVATION_FIELDS
from likewatch.public import campaign_pages, get_campaign, get_page
from likewatch.tracking.chain import iso
from likewatch.tracking.models import Campaign, FetchFailure, Observation, Page

CHUNK = 2000
BATCH = 500
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
COLUMNS = [
    "page_id",
    "platform",
    "platform_id",
    "metric",
    "page_name",
    "record",
    "seq",
    "value",
    "precision",
    "first_seen",
    "last_seen",
    "fetches",
    "provenance",
    "source_url",
    "at",
    "kind",
    "message",
    "duration_ms",
    "retry_at",
    "prev_hash",
    "hash",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: numbers as they are, text that
    would start a formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def page_info(page: Page) -> dict[str, Any]:
    return {
        "page_id": page.pk,
        "platform": page.platform,
        "platform_id": page.platform_id,
        "metric": page.metric,
        "page_name": page.name,
        "handle": page.handle,
        "url": page.url,
        "interval": page.interval,
        "last_seq": page.last_seq,
    }


def records(page: Page) -> Iterator[dict[str, Any]]:
    """Every record of the page's chain in seq order, read in chunks."""
    spans = (
        Observation.objects.filter(page=page)
        .order_by("seq")
        .values(*OBSERVATION_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    failures = (
        FetchFailure.objects.filter(page=page)
        .order_by("seq")
        .values(*FAILURE_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    tagged_spans = ({"record": "observation", **row} for row in spans)
    tagged_failures = ({"record": "failure", **row} for row in failures)
    for row in heapq.merge(tagged_spans, tagged_failures, key=lambda r: r["seq"]):
        yield {k: iso(v) if isinstance(v, datetime) else v for k, v in row.items()}


def csv_lines(pages: Iterable[Page]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(COLUMNS)
    for page in pages:
        info = page_info(page)
        for row in records(page):
            full = {**info, **row}
            yield line([safe_cell(full.get(column)) for column in COLUMNS])


def json_chunks(subject: dict[str, Any], pages: Iterable[Page]) -> Iterator[str]:
    """One JSON document, written piece by piece: {"export": ..., "pages": [{..., "records":
    [...]}, ...]}."""
    header = {
        "generated_at": iso(timezone.now()),
        "format": "likewatch-history-1",
        **subject,
    }
    yield json.dumps(header, ensure_ascii=False)[:-1] + ', "pages": ['
    for i, page in enumerate(pages):
        prefix = "," if i else ""
        yield prefix + json.dumps(page_info(page), ensure_ascii=False)[:-1] + ', "records": ['
        for j, row in enumerate(records(page)):
            yield ("," if j else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "]}"
    yield "]}\n"


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


def _respond(request, fmt: str, name: str, subject: dict, pages: list[Page]):
    if fmt not in FORMATS:
        raise Http404(_("Exports come as .csv or .json."))
    lines = csv_lines(pages) if fmt == "csv" else json_chunks(subject, pages)
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
    subject = {"campaign": campaign_info(campaign, entries)}
    pages = [page for page, _ in entries]
    return _respond(request, fmt, f"likewatch-{campaign.slug}", subject, pages)


def campaign_info(campaign: Campaign, entries: list[tuple[Page, str]]) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "description": campaign.description,
        "starts_at": iso(campaign.starts_at),
        "ends_at": iso(campaign.ends_at),
        "target": campaign.target,
        "directions": {str(page.pk): direction for page, direction in entries},
    }
