"""API: pages, their current values, histories and events."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Query, Router
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import NinjaJSONEncoder

from likewatch.analytics.series import Series, page_series
from likewatch.api import schemas
from likewatch.api.conditional import history_etag, not_modified
from likewatch.api.json_times import utc_text
from likewatch.api.ranges import HistoryQuery, RangeQuery, bounds, cache_for_range
from likewatch.events.records import as_dicts, events_for
from likewatch.public import MAX_ID, get_page, public_pages
from likewatch.tracking import records, visibility
from likewatch.tracking.models import Page

router = Router(tags=["pages"])
ERRORS = {400: schemas.Error, 404: schemas.Error}
LIVE = "public, max-age=30, stale-while-revalidate=30"
# What django-ninja's JSON renderer answers with.
JSON = "application/json; charset=utf-8"


def page_summary(page: Page, now=None) -> dict:
    return {
        "id": page.pk,
        "platform": page.platform,
        "platform_id": page.platform_id,
        "metric": page.metric,
        "handle": page.handle,
        "name": page.name,
        "url": page.link,
        "interval": page.interval,
        "health": page.health,
        "last_success_at": page.last_success_at,
        "stale": page.is_stale(now),
        "last_seq": page.last_seq,
    }


def page_links(page: Page) -> dict[str, str]:
    return {
        "self": reverse("api:page", args=[page.pk]),
        "current": reverse("api:page_current", args=[page.pk]),
        "history": reverse("api:page_history", args=[page.pk]),
        "events": reverse("api:page_events", args=[page.pk]),
        "card": reverse("sharing:page_card", args=[page.pk]),
        "embed": reverse("sharing:page_embed", args=[page.pk]),
        "csv": reverse("sharing:page_export", args=[page.pk, "csv"]),
        "json": reverse("sharing:page_export", args=[page.pk, "json"]),
        # "Cite this number": the current value's proof (likewatch.evidence.proofs).
        "proof": reverse("evidence:page_proof_json", args=[page.pk]),
    }


def history_dict(
    series: Series,
    moment: Callable[[datetime], object] = lambda at: at,
    seconds: Callable[[float], object] | None = None,
) -> dict:
    """A history answer's fields; `moment` writes its times (default: as datetimes), and
    `seconds`, when given, writes its points' times from their seconds since the epoch
    (the same text as `moment` would write, without a datetime per point)."""
    if seconds is None:
        points = [[moment(p.at), p.value] for p in series.points]
    else:
        points = [[seconds(t), value] for t, value in series.points]
    return {
        "page_id": series.page_id,
        "start": moment(series.start),
        "end": moment(series.end),
        "resolution": series.resolution,
        "points": points,
        "gaps": [{"start": moment(a), "end": moment(b)} for a, b in series.gaps],
    }


def history_response(series: Series) -> HttpResponse:
    """`history_dict` as the API's JSON, exactly as django-ninja would write it, without
    validating a thousand points against the schema they were built to fit and without a
    Python call per point inside the JSON encoder: the few moments by the API's own encoder,
    the points' ones from their seconds (`json_times.utc_text`, held to that encoder by its
    tests), then the C encoder writes plain strings and numbers."""
    body = history_dict(series, NinjaJSONEncoder().default, utc_text)
    return HttpResponse(json.dumps(body), content_type=JSON)


PageId = Path(..., ge=1, le=MAX_ID, description="The page's number.")


@router.get("", response=list[schemas.PageSummary], url_name="pages")
@paginate(LimitOffsetPagination)
def list_pages(request: HttpRequest, platform: str | None = None):
    """Every page of a public campaign; filter by `platform`."""
    pages = public_pages().order_by("pk")
    if platform:
        pages = pages.filter(platform=platform)
    now = timezone.now()
    return [page_summary(p, now) for p in pages]


@router.get("/{page_id}", response={200: schemas.PageDetail, **ERRORS}, url_name="page")
def page_detail(request: HttpRequest, response: HttpResponse, page_id: int = PageId):
    """One page: what it is, its health, the public campaigns that watch it."""
    page = get_page(page_id)
    response["Cache-Control"] = LIVE
    slugs = visibility.campaigns_of_page(page).order_by("slug").values_list("slug", flat=True)
    return {
        **page_summary(page),
        "created_at": page.created_at,
        "campaigns": list(slugs),
        "links": page_links(page),
    }


@router.get(
    "/{page_id}/current", response={200: schemas.Current, **ERRORS}, url_name="page_current"
)
def page_current(request: HttpRequest, response: HttpResponse, page_id: int = PageId):
    """The newest measurement of the page (its value may be None: a hidden count)."""
    page = get_page(page_id)
    response["Cache-Control"] = LIVE
    obs = records.latest_span(page)
    return {
        "page_id": page.pk,
        "value": obs and obs.value,
        "precision": obs.precision if obs else 1,
        "first_seen": obs and obs.first_seen,
        "measured_at": obs and obs.last_seen,
        "fetches": obs.fetches if obs else 0,
        "provenance": obs and obs.provenance,
        "source_url": obs.source_url if obs else "",
        "seq": obs and obs.seq,
        "stale": page.is_stale(),
        "health": page.health,
    }


@router.get(
    "/{page_id}/history", response={200: schemas.History, **ERRORS}, url_name="page_history"
)
def page_history(
    request: HttpRequest,
    response: HttpResponse,
    query: Query[HistoryQuery],
    page_id: int = PageId,
):
    """The page's values over a range, downsampled on the server to at most 1,000 points
    that keep every peak and trough (the lowest and highest value of each bucket)."""
    page = get_page(page_id)
    start, end = bounds(query)
    cache_control = cache_for_range(request, end, timezone.now())
    etag = history_etag(request, [page])
    if unchanged := not_modified(request, etag, cache_control):
        return unchanged
    series = page_series(page, start, end, query.resolution)
    answer = history_response(series)
    answer["Cache-Control"] = cache_control
    answer["ETag"] = etag
    return answer


@router.get(
    "/{page_id}/events", response={200: list[schemas.Event], **ERRORS}, url_name="page_events"
)
def page_events(
    request: HttpRequest,
    response: HttpResponse,
    query: Query[RangeQuery],
    page_id: int = PageId,
):
    """Events flagged on the page's history (inorganic gains, purges, waves, data problems)."""
    page = get_page(page_id)
    start, end = bounds(query)
    response["Cache-Control"] = LIVE
    return as_dicts(events_for([page], start, end))
