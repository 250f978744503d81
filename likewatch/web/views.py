"""The public site: the index of campaigns, live boards, page histories and the methodology."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from likewatch import formatting
from likewatch.analytics.change import campaign_change
from likewatch.events import archives
from likewatch.security import throttling
from likewatch.tracking import records as history_records
from likewatch.tracking import visibility
from likewatch.tracking.models import Campaign, Page
from likewatch.tracking.moments import in_utc
from likewatch.tracking.records import Failure, Span
from likewatch.web import board as boards
from likewatch.web import charts, markers, stream
from likewatch.web.microcache import canonical_query

# Fifty records: a phone shows each in a few lines, and a page should stay a page.
RECORDS_PER_PAGE = 50
# How long browsers, proxies and the micro-cache may share a public page: short, because
# boards are live (the micro-cache keeps it at most LIKEWATCH_MICROCACHE_SECONDS).
SHARED_SECONDS = 5
SHARED_STALE_SECONDS = 30


def shared(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Let caches share what an anonymous visitor got: it is what every visitor gets.

    A signed-in organiser may see campaigns that are not public yet; their pages stay private.
    """
    if not request.user.is_authenticated:
        patch_cache_control(
            response,
            public=True,
            max_age=SHARED_SECONDS,
            stale_while_revalidate=SHARED_STALE_SECONDS,
        )
    return response


def public_campaigns(request: HttpRequest):
    """Campaigns this visitor may see: the public ones, and every one for staff."""
    return visibility.campaigns(request.user)


@gzip_page
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every public campaign, newest first, with its headline number."""
    campaigns = visibility.public_campaigns().annotate(page_count=Count("entries"))
    rows = [{"campaign": c, "total": boards.snapshot(c)["total"]} for c in campaigns[:50]]
    return shared(request, render(request, "web/index.html", {"rows": rows}))


@gzip_page
@require_GET
def board(request: HttpRequest, slug: str) -> HttpResponse:
    """A campaign's live board.

    An anonymous visitor's board carries an ETag known before rendering (board_etag): a
    browser on slow data revalidating an unchanged board, and the micro-cache refreshing its
    copy every couple of seconds, get a 304 for a few queries instead of a rendering.
    """
    campaign = get_object_or_404(public_campaigns(request), slug=slug)
    now = timezone.now()
    etag = None
    if not request.user.is_authenticated:
        # The address as the micro-cache keys it: a refresh set off by a reader who came
        # with ?utm_source=… asks about the same stored copy as any other reader's.
        query = canonical_query(request.META.get("QUERY_STRING", "").encode("latin-1"))
        etag = boards.board_etag(campaign, f"{request.path}?{query.decode('latin-1')}", now)
        unchanged = get_conditional_response(request, etag=etag)
        if unchanged is not None:
            unchanged["ETag"] = etag
            if unchanged.status_code != 304:
                return unchanged  # a 412 to this reader's own If-Match: never shared
            # The 304 says what the 200 would (RFC 9110 15.4.5): gzip_page adds this header
            # to bodies only.
            patch_vary_headers(unchanged, ("Accept-Encoding",))
            return shared(request, unchanged)
    change = campaign_change(campaign, now)
    data = boards.snapshot(campaign, now, change)
    page_ids = [p["id"] for p in data["pages"]]
    drawn = markers.for_pages(
        page_ids, since=campaign.starts_at, campaign_ids=[campaign.pk], viewer=request.user
    )
    context = {
        "campaign": campaign,
        "change": change,  # the share card's headline says the same (templatetags/sharing)
        "board": data,
        "start_display": start_time(campaign),
        "charts": boards.chart_data(campaign, page_ids),
        "markers": drawn,
        "notes": notes_of(drawn),
        "config": {
            "live": reverse("web:board_live", args=[slug]) + f"?v={data['version']}",
            "lang": get_language(),
            "labels": {
                **chart_labels(),
                "change": _("Change since the start"),
                "count": _("Count"),
                "gap": _("No measurement"),
                "live": _("Live"),
                "offline": _("Reconnecting…"),
            },
        },
    }
    response = render(request, "web/board.html", context)
    if etag is not None:
        response["ETag"] = etag
    return shared(request, response)


async def board_live(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Server-sent events: the board's data each time one of its pages has new history.

    `?v=` (or Last-Event-ID on a reconnection) is the version the browser shows; when the
    board has moved on since, the current state is sent at once.
    """
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    user = await request.auser()
    campaign = await visibility.campaigns(user).filter(slug=slug).afirst()
    if campaign is None:
        raise Http404(_("No public campaign has this address."))
    page_ids = [pk async for pk in campaign.entries.values_list("page_id", flat=True)]
    known = request.headers.get("Last-Event-ID") or request.GET.get("v", "")
    client = throttling.client_ip(request)
    if not stream.SLOTS.take(client):
        return HttpResponse(
            stream.too_many_streams_text(),
            status=429,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": "30"},
        )
    # The same headers as the stream served straight from ASGI (likewatch.web.stream).
    headers = {name.decode(): value.decode() for name, value in stream.HEADERS}
    return StreamingHttpResponse(
        _released(stream.events(campaign, page_ids, known), client), headers=headers
    )


async def _released(messages, client: str):
    """The stream's messages; its slot is given back however the stream ends."""
    try:
        async for message in messages:
            yield message
    finally:
        stream.SLOTS.give_back(client)


def start_time(campaign: Campaign) -> str:
    """The campaign's start as the server writes it, in a <time> the browser rewrites in the
    reader's zone."""
    return format_html(
        '<time datetime="{}">{}</time>',
        campaign.starts_at.isoformat(),
        formatting.full_moment(campaign.starts_at),
    )


def notes_of(drawn: list[dict]) -> list[dict]:
    """The organisers' notes among a chart's markers, with their moment, for the page's text."""
    return [
        {"at": datetime.fromtimestamp(m["start"], tz=UTC), "text": m["label"]}
        for m in drawn
        if m["kind"] == "annotation"
    ]


def chart_labels() -> dict[str, str]:
    """The words a chart says about itself, in the active language."""
    return {
        "time": _("Time"),
        "chart": _("chart"),
        "table": _("The chart's numbers, as a table"),
        "note": _("Note"),
        "notes": _("Notes on the chart"),
        "keys": _("Arrow keys move along the line; Home and End go to its ends."),
    }


def _visible_page(request: HttpRequest, pk: int) -> Page:
    return get_object_or_404(visibility.pages(request.user), pk=pk)


def _parse_moment(text: str | None) -> datetime | None:
    """A date or date-time from the address; None for anything else (even 31 February)."""
    if not text:
        return None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                return None
            moment = datetime(day.year, day.month, day.day)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (OverflowError, ValueError):
            return None
    # 0001-01-01T00:00:00+05:00 is ISO 8601 but before anything UTC (or the database) holds.
    # In UTC: PostgreSQL refuses offsets past ±15:59, which ISO 8601 (and Python) allow.
    return in_utc(moment)


@gzip_page
@require_GET
def page_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything measured for one page: chart, spans, gaps and where each number came from."""
    page = _visible_page(request, pk)
    since = _parse_moment(request.GET.get("from"))
    until = _parse_moment(request.GET.get("to"))
    errors = []
    if request.GET.get("from") and since is None:
        errors.append(_("The start of the range is not a date; showing the whole history."))
    if request.GET.get("to") and until is None:
        errors.append(_("The end of the range is not a date; showing the whole history."))
    if since and until and since > until:
        errors.append(_("The range ends before it starts; showing the whole history."))
        since = until = None
    observations = history_records.Listing(page, Span, since, until)
    failures = history_records.Listing(page, Failure, since, until)
    records = Paginator(observations, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    failure_list = Paginator(failures, RECORDS_PER_PAGE).get_page(request.GET.get("gaps"))
    points = charts.page_points(page, since, until, max_points=charts.HISTORY_POINTS)
    campaigns = visibility.campaigns_of_page(page, request.user)
    context = {
        "page": page,
        "records": records,
        "failures": failure_list,
        "failure_count": failures.count(),
        "chart": charts.columns(points),
        "since": since,
        "until": until,
        "errors": errors,
        "campaigns": campaigns,
        "unjudged_archives": archives.unjudged(page),
        "markers": markers.for_pages(
            [page.pk], since, until, [c.pk for c in campaigns], viewer=request.user
        ),
        "ranges": _quick_ranges(request),
        "config": {
            "lang": get_language(),
            "label": page.label,
            "gap": _("No measurement"),
            "labels": chart_labels(),
        },
    }
    if errors:
        # A malformed range is the reader's mistake: say so with a 400 (crawlers and scripts
        # see it), still showing the message and the whole history to a person; not shared.
        return render(request, "web/page.html", context, status=400)
    return shared(request, render(request, "web/page.html", context))


def _quick_ranges(request: HttpRequest) -> list[dict]:
    """Links to the last hour, day, week and the whole history."""
    now = timezone.now().replace(microsecond=0)
    choices = [
        (_("Last hour"), timedelta(hours=1)),
        (_("Last day"), timedelta(days=1)),
        (_("Last week"), timedelta(days=7)),
        (_("Whole history"), None),
    ]
    current = request.GET.get("from", "")
    ranges = []
    for label, span in choices:
        query = urlencode({"from": (now - span).isoformat()}) if span else ""
        ranges.append({"label": label, "query": query, "current": not span and not current})
    return ranges


@gzip_page
@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    """How counts are measured, and what they can and cannot tell."""
    return shared(request, render(request, "web/methodology.html"))
