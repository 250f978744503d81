"""Events on the public surfaces: the API and Atom feeds (likewatch.events.records), chart markers.

- `event_records(pages, start, end)`: what the API and the feeds publish
  (through likewatch.events.records.events_for). The explanation is built in the active language,
  so a feed served in Arabic explains in Arabic.
- The charts' markers (likewatch.web.markers) read the same records; they leave out gap
  events, which the charts draw from the failed fetches themselves.
- `for_campaign(campaign)` lists a campaign's events for its board.
- `shown_changed(page_ids)`: what the boards show of these pages' events changed without a new
  count (an event reviewed or deleted), so open boards redraw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from likewatch.events.models import Event, Kind, Status
from likewatch.events.records import EventRecord
from likewatch.fanout import publish as fanout
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


def shown_changed(page_ids: Iterable[int]) -> None:
    """Say that what the boards show of these pages' events changed without a new count: an
    event reviewed or deleted (its verdict is on every board that lists it), or a flagged gain
    or drop stored, grown or withdrawn (likewatch.events.apart.changed, which also marks the
    effect estimates that took it out stale). The pages' `flags_changed_at` moves: it is part
    of their live state, so open boards redraw at the live broker's next read of it, and, where
    web processes are pushed to (PostgreSQL or Redis), the pages' new state is announced once
    the transaction commits. One statement; called by the writers of events, in their
    transaction."""
    ids = list(dict.fromkeys(page_ids))
    if not ids:
        return
    Page.objects.filter(pk__in=ids).update(flags_changed_at=timezone.now())
    fanout.announce(ids)
