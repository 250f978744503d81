"""Events on the public surfaces: the API and Atom feeds (likewatch.events.records), chart markers.

- `event_records(pages, start, end)`: what the API and the feeds publish
  (through likewatch.events.records.events_for). The explanation is built in the active language,
  so a feed served in Arabic explains in Arabic.
- The charts' markers (likewatch.web.markers) read the same records; they leave out gap
  events, which the charts draw from the failed fetches themselves.
- `for_campaign(campaign)` lists a campaign's events for its board.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.urls import reverse

from likewatch.events.models import Event, Kind, Status
from likewatch.events.records import EventRecord
from likewatch.tracking.models import Campaign, Page

# What a reviewed event is called on the public surfaces; an open one is "flagged".
PUBLIC_STATUS = {
    Status.OPEN: "flagged",
    Status.CONFIRMED: "confirmed",
    Status.DISMISSED: "dismissed",
}


def event_records(
    pages: Sequence[Page], start: datetime | None, end: datetime | None
) -> list[EventRecord]:
    """The events of `pages` overlapping [start, end], as the API and feeds publish them."""
    events = Event.objects.for_pages([p.pk for p in pages], start, end).select_related("page")
    return [record(event) for event in events.order_by("start", "page_id", "pk")]


def record(event: Event) -> EventRecord:
    return EventRecord(
        id=str(event.pk),
        page_id=event.page_id,
        kind=event.kind,
        starts_at=event.start,
        ends_at=event.end,
        size=round(event.size),
        expected=event.expected,
        observed=event.seen,
        confidence=event.confidence,
        explanation=event.sentence(),
        status=PUBLIC_STATUS[event.status],
        note=event.note,
        label=str(event.get_kind_display()),
        url=reverse("events:detail", args=[event.pk]),
        platform_event=str(event.platform_event_id or ""),
        platform_event_url=(
            reverse("events:platform", args=[event.platform_event_id])
            if event.platform_event_id
            else ""
        ),
    )


def for_campaign(campaign: Campaign, limit: int = 20) -> list[Event]:
    """A campaign's newest events since it began, gaps aside (its charts show them)."""
    pages = list(campaign.pages.values_list("pk", flat=True))
    events = Event.objects.for_pages(pages, campaign.starts_at, campaign.ends_at)
    return list(events.exclude(kind=Kind.GAP).select_related("page")[:limit])
