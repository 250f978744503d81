"""What flagged moves on a page are not people: the one home of the rule.

An unusual drop (possibly the platform removing accounts) or an unusual gain (possibly bought
likes, or many pages of the platform gaining at once) is flagged because the page's own
history does not explain it. Until an organiser dismisses it, it is not counted as people
leaving or joining: the change since a campaign's start is shown as measured, and "people who
moved", the milestones, the alerts and the campaign's effect leave the flagged moves out and
show them apart, each summed, with whether an organiser confirmed them. A dismissal says the
move was people after all, and it counts again.

Why gains too: during a leave campaign a burst of gains hides departures ("lost 33,000" when
45,000 left and 12,000 were gained in one unusual burst). The event says only what was
measured; "bought likes" stays a hypothesis, offered with its evidence on the event's page.

An event counts for a time range when it overlaps it (ends after `since`, begins at or before
`until`). One wholly inside counts its whole size, as the detector measured it. One that
straddles an edge of the range (a burst that began before the campaign's start and ended after
it) counts only its part inside (`_inside`): the change since the start is measured from the
count at the start, which already holds what the event added before it, so counting its whole
size would take that part out twice. The part inside is what the counts measured between the
edge and the event's end (or its start and the edge), less the part of the event's expected
change that falls in that time (its expected pace taken as even over its window), never more
than the event's size nor of the other sign. An event with no part inside is not counted.

Everything here answers in a fixed number of queries, whatever the number of pages (a few more,
reading the counts at the edges, when an event straddles one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet
from django.urls import reverse

from likewatch.events import publish
from likewatch.events.models import EffectEstimate, Event, Kind, Status
from likewatch.tracking.records import known_around

# The kinds whose size is a number of people the history cannot explain.
KINDS = (Kind.PURGE, Kind.GAIN)


@dataclass(frozen=True)
class Apart:
    """A page's flagged moves over a time range that are not counted as people.

    `removed` (negative or 0) sums the unusual drops, `gained` (positive or 0) the unusual
    gains; `*_confirmed` is True when every one of them was confirmed by an organiser (False
    while any is still unreviewed, or when there is none); `*_events` are their ids, oldest
    first, to link to each event and its evidence."""

    removed: int = 0
    gained: int = 0
    removed_confirmed: bool = False
    gained_confirmed: bool = False
    removed_events: tuple[int, ...] = ()
    gained_events: tuple[int, ...] = ()

    @property
    def total(self) -> int:
        """The net of what is left out: what the measured change holds that people did not."""
        return self.removed + self.gained

    def __bool__(self) -> bool:
        return bool(self.removed_events or self.gained_events)

    def __add__(self, other: Apart) -> Apart:
        """Two pages' (or ranges') flags together: sums, confirmed only when both are."""

        def confirmed(a: bool, a_events: tuple, b: bool, b_events: tuple) -> bool:
            if not a_events or not b_events:
                return a if a_events else b
            return a and b

        return Apart(
            removed=self.removed + other.removed,
            gained=self.gained + other.gained,
            removed_confirmed=confirmed(
                self.removed_confirmed,
                self.removed_events,
                other.removed_confirmed,
                other.removed_events,
            ),
            gained_confirmed=confirmed(
                self.gained_confirmed,
                self.gained_events,
                other.gained_confirmed,
                other.gained_events,
            ),
            removed_events=self.removed_events + other.removed_events,
            gained_events=self.gained_events + other.gained_events,
        )


def flagged(page_ids: Iterable[int], since: datetime, until: datetime | None) -> QuerySet[Event]:
    """The events whose size is left out of people over (since, until]: unusual gains and
    drops of these pages that no organiser dismissed, oldest first."""
    events = Event.objects.filter(page_id__in=list(page_ids), kind__in=KINDS, end__gt=since)
    if until is not None:
        events = events.filter(start__lte=until)
    return events.exclude(status=Status.DISMISSED).order_by("start", "pk")


class Counted(NamedTuple):
    """A flagged event and what of it counts over a range (`size`: its part inside)."""

    pk: int
    page_id: int
    kind: str
    status: str
    start: datetime
    end: datetime
    size: float


def counted(page_ids: Iterable[int], since: datetime, until: datetime | None) -> list[Counted]:
    """The flagged events of these pages over (since, until], oldest first, each with the part
    of its size inside the range (see the module docstring); events with none are left out."""
    rows = [
        (Counted(pk, page_id, kind, status, start, end, size), expected)
        for pk, page_id, kind, status, start, end, size, expected in flagged(
            page_ids, since, until
        ).values_list("pk", "page_id", "kind", "status", "start", "end", "size", "expected")
    ]
    cut = [row for row, _ in rows if row.start < since or (until is not None and row.end > until)]
    if not cut:
        return [row for row, _ in rows]
    edges = {row.pk: (max(row.start, since), min(row.end, until or row.end)) for row in cut}
    moments = {}
    for pk, (lo, hi) in edges.items():
        moments[f"lo{pk}"], moments[f"hi{pk}"] = lo, hi
    counts = known_around({row.page_id for row in cut}, moments)
    found = []
    for row, expected in rows:
        if row.pk in edges:
            size = _inside(row, expected, *edges[row.pk], counts[row.page_id])
            if round(size) == 0:
                continue
            row = row._replace(size=size)
        found.append(row)
    return found


def _inside(row: Counted, expected: float, lo: datetime, hi: datetime, counts: dict) -> float:
    """The part of a straddling event's size between `lo` and `hi`, from the counts in force
    then (as a campaign's baseline reads them: the last known at the moment, else the first
    after); without them, the share of its window."""
    whole = (row.end - row.start).total_seconds()
    share = (hi - lo).total_seconds() / whole if whole > 0 else 1.0

    def value(name: str) -> int | None:
        span = counts.get(f"at_{name}") or counts.get(f"after_{name}")
        return None if span is None else span.value

    first, last = value(f"lo{row.pk}"), value(f"hi{row.pk}")
    # What the counts moved in the range, less the event's expected pace over that time.
    known = first is not None and last is not None
    part = (last - first) - expected * share if known else row.size * share
    # Never more than the event, never of the other sign.
    return min(max(part, 0.0), row.size) if row.size >= 0 else max(min(part, 0.0), row.size)


def for_pages(page_ids: Iterable[int], since: datetime, until: datetime | None) -> dict[int, Apart]:
    """Each page's `Apart` over (since, until], in one query (pages without flags: none; a
    few more when an event straddles an edge of the range: `counted`)."""
    found: dict[int, Apart] = {}
    for pk, page_id, kind, status, _start, _end, size in counted(page_ids, since, until):
        confirmed = status == Status.CONFIRMED
        if kind == Kind.PURGE:
            one = Apart(
                removed=min(0, round(size)), removed_confirmed=confirmed, removed_events=(pk,)
            )
        else:
            one = Apart(gained=max(0, round(size)), gained_confirmed=confirmed, gained_events=(pk,))
        found[page_id] = found[page_id] + one if page_id in found else one
    return found


def for_page(page_id: int, since: datetime, until: datetime | None) -> Apart:
    """One page's `Apart` over (since, until]."""
    return for_pages([page_id], since, until).get(page_id, Apart())


def as_dict(apart: Apart) -> dict:
    """An `Apart` as the API publishes it (schemas.Apart); the board's live data is this and
    what it shows (likewatch.web.board.apart_entry), so both read the same figures."""
    ids = sorted(apart.removed_events + apart.gained_events)
    return {
        "removed": apart.removed,
        "gained": apart.gained,
        "removed_confirmed": apart.removed_confirmed,
        "gained_confirmed": apart.gained_confirmed,
        "events": [reverse("events:detail", args=[pk]) for pk in ids],
    }


def changed(page_ids: Iterable[int]) -> None:
    """Say that what is kept apart on these pages changed (a flagged gain or drop stored,
    grown, withdrawn, reviewed or deleted). Their stored effect estimates, which took it out as
    of their time, are marked stale for the next refresh (likewatch.events.effects) to take
    first, and open boards redraw (likewatch.events.publish.shown_changed). Two statements;
    called by the writers of events, in their transaction."""
    ids = list(dict.fromkeys(page_ids))
    if not ids:
        return
    EffectEstimate.objects.filter(page_id__in=ids, stale=False).update(stale=True)
    publish.shown_changed(ids)


def total(aparts: Iterable[Apart]) -> Apart:
    """The pages' flags together (a campaign's total)."""
    result = Apart()
    for apart in aparts:
        result = result + apart
    return result
