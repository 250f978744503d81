"""The press view of a board, /c/<slug>/press/: what a newsroom prints or quotes.

The board's numbers (the same snapshot the board and its live updates show), one chart drawn
on the server as SVG (it prints, and needs no script), the flagged events with their sentences
and verdicts (what a journalist quotes about a suspicious move, as the board lists them), the
organisers' public notes, the methodology in one line and a citation to copy. Nothing to
click: printed, it is a page of numbers, not of buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from likewatch.events import publish
from likewatch.web import board as boards
from likewatch.web import markers, sparkline
from likewatch.web.links import absolute
from likewatch.web.views import public_campaigns, shared, start_time

WIDTH, HEIGHT = 600, 160


@dataclass(frozen=True)
class Trend:
    """The campaign's total change since its start as an SVG line, with what its axes say."""

    points: str
    width: int
    height: int
    start: datetime
    end: datetime
    notes: list[dict]


def trend(pages, start: datetime, notes: list[dict]) -> Trend | None:
    """The summed change of `pages` since `start`, and the notes placed along it."""
    end = sparkline.measured_until(pages)
    if end <= start:
        return None
    values = sparkline.campaign_change(pages, start, end)
    points = sparkline.svg_points(values, WIDTH, HEIGHT)
    if not points:
        return None
    span = (end - start).total_seconds()
    placed = []
    for note in notes:
        at = datetime.fromtimestamp(note["start"], tz=UTC)
        if start <= at <= end:
            x = round(WIDTH * (at - start).total_seconds() / span, 1)
            placed.append({**note, "x": x, "at": at})
    return Trend(points, WIDTH, HEIGHT, start, end, placed)


@gzip_page
@require_GET
def press(request: HttpRequest, slug: str) -> HttpResponse:
    """A board for print and for quoting: numbers, chart, events, notes, methodology,
    citation."""
    campaign = get_object_or_404(public_campaigns(request), slug=slug)
    data = boards.snapshot(campaign)
    notes = [
        m
        for m in markers.for_pages([], campaign_ids=[campaign.pk], viewer=request.user)
        if m["start"] >= campaign.starts_at.timestamp()
    ]
    pages = [entry.page for entry in campaign.entries.select_related("page")]
    measured = [p.last_success_at for p in pages if p.last_success_at]
    board_url = absolute(reverse("web:board", args=[campaign.slug]))
    line = trend(pages, campaign.starts_at, notes)
    context = {
        "campaign": campaign,
        "board": data,
        "start_display": start_time(campaign),
        "trend": line,
        "events": publish.for_campaign(campaign),
        "methodology_url": absolute(reverse("web:methodology")),
        "notes": [{**n, "at": datetime.fromtimestamp(n["start"], tz=UTC)} for n in notes],
        "measured_at": max(measured) if measured else None,
        "board_url": board_url,
        "retrieved": timezone.now(),
    }
    return shared(request, render(request, "web/press.html", context))
