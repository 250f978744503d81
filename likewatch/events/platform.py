"""Platform-wide events: many tracked pages of one platform moving together, said once.

When a platform purges fake accounts or changes how it counts, every page it touched drops (or
jumps) in the same window. Blaming each page ("Page A: a drop of 4,000 ... possibly the
platform removing accounts", times forty) buries the one fact that matters: the platform moved.
So after per-page detection, the unusual gains and drops of one platform are grouped by
direction and time (`together`: windows that share a moment, the sampling interval as slack). A
group with at least `MIN_PAGES` pages that are at least `SHARE` of the platform's tracked pages
becomes one `PlatformEvent` naming the platform, the pages, their total and the window; each
page event of the group links to it, and its sentence says the platform moved instead of
offering a page-level explanation. A group too small to be the platform still tells its
members how many other pages moved with them, and a page that moved alone says that nobody else
did (both are evidence for the page-level hypotheses of likewatch.events.sentences).

`together` is pure (bench/effect.py runs it on synthetic pages); `relate` is the database side,
called by likewatch.events.scan after a scan stores its events: the same code for live
detection (the write path's consumer, likewatch.events.live) and for `likewatch events
--rescan`. A platform event whose group shrinks below the bar is removed; reviewed page events
are never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from likewatch.events import detect

SHARE = 0.4  # of a platform's tracked pages moving together: the platform, not them
MIN_PAGES = 3  # ...and never fewer pages than this
MIN_SLACK = 600.0  # seconds two windows may be apart and still be "the same time"
KINDS = (detect.GAIN, detect.PURGE)


@dataclass(frozen=True)
class Move:
    """One page's unusual gain or drop (an Event or a detect.Finding), times in epoch s."""

    page_id: int
    kind: str
    start: float
    end: float
    size: float
    key: object = None  # the caller's handle on it (an Event's pk)


@dataclass(frozen=True)
class Group:
    """Moves of one direction whose windows chain together in time."""

    kind: str
    start: float
    end: float
    moves: tuple[Move, ...]

    @property
    def pages(self) -> set[int]:
        return {m.page_id for m in self.moves}

    @property
    def size(self) -> float:
        return sum(m.size for m in self.moves)


def bar(tracked: int) -> float:
    """How many pages must move together for the platform to be the likelier cause."""
    return max(MIN_PAGES, SHARE * tracked)


def together(moves: Iterable[Move], slack: float) -> list[Group]:
    """The moves grouped by kind into sets whose windows all share a moment (give or take
    `slack` seconds): a platform's purge or counting change reaches its pages at once, so
    windows that merely chain one after the other over hours are not one move."""
    groups: list[Group] = []
    for kind in KINDS:
        current: list[Move] = []
        first_end = float("inf")
        for move in sorted((m for m in moves if m.kind == kind), key=lambda m: m.start):
            if current and move.start > first_end + slack:
                groups.append(_group(kind, current))
                current, first_end = [], float("inf")
            current.append(move)
            first_end = min(first_end, move.end)
        if current:
            groups.append(_group(kind, current))
    return groups


def _group(kind: str, moves: list[Move]) -> Group:
    return Group(kind, min(m.start for m in moves), max(m.end for m in moves), tuple(moves))


def platform_wide(groups: Sequence[Group], tracked: int) -> list[Group]:
    """The groups that are the platform moving rather than its pages."""
    return [g for g in groups if len(g.pages) >= bar(tracked)]


# The database side ------------------------------------------------------------------------


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def relate(flagged: Sequence[tuple[object, detect.Finding]], now: datetime | None = None) -> None:
    """Group this scan's unusual gains and drops with the other tracked pages of their
    platforms, and store what the groups say (see the module docstring).

    `flagged` is (page, finding) for the gains and drops the scan just stored. Runs in the
    scan's transaction, after its events are stored, so pages flagged in the same round see
    each other, and pages flagged in later rounds join the group then."""
    from likewatch.events.models import Event, PlatformEvent, Status
    from likewatch.tracking.models import Page

    now = now or timezone.now()
    for platform in sorted({page.platform for page, _f in flagged}):
        mine = [(p, f) for p, f in flagged if p.platform == platform]
        slack = max(max(p.interval for p, _f in mine), MIN_SLACK)
        tracked = Page.objects.filter(platform=platform, paused=False).count()
        lo = min(f.start for _p, f in mine) - slack
        hi = max(f.end for _p, f in mine) + slack
        # Everything that chains to this scan's flags: widen until no event joins.
        events: dict[int, Event] = {}
        while True:
            found = {
                e.pk: e
                for e in Event.objects.filter(
                    page__platform=platform,
                    kind__in=KINDS,
                    end__gte=_moment(lo),
                    start__lte=_moment(hi),
                )
            }
            if found.keys() <= events.keys():
                break
            events = found
            lo = min(_epoch(e.start) for e in events.values()) - slack
            hi = max(_epoch(e.end) for e in events.values()) + slack
        moves = [
            Move(e.page_id, e.kind, _epoch(e.start), _epoch(e.end), e.size, e.pk)
            for e in events.values()
            if e.status != Status.DISMISSED
        ]
        groups = together(moves, slack)
        wide = platform_wide(groups, tracked)
        existing = list(
            PlatformEvent.objects.filter(
                platform=platform, end__gte=_moment(lo), start__lte=_moment(hi)
            )
        )
        kept: set[int] = set()
        links: dict[int, PlatformEvent | None] = {}
        for group in wide:
            row = next(
                (
                    p
                    for p in existing
                    if p.pk not in kept
                    and p.kind == group.kind
                    and _epoch(p.start) <= group.end + slack
                    and _epoch(p.end) >= group.start - slack
                ),
                None,
            )
            fields = {
                "start": _moment(group.start),
                "end": _moment(group.end),
                "size": float(group.size),
                "pages": len(group.pages),
                "tracked": tracked,
            }
            if row is None:
                row = PlatformEvent.objects.create(
                    platform=platform, kind=group.kind, detected_at=now, updated_at=now, **fields
                )
            elif any(getattr(row, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(row, k, v)
                row.updated_at = now
                row.save()
            kept.add(row.pk)
            for move in group.moves:
                links[move.key] = row
        for row in existing:
            if row.pk not in kept:
                row.delete()  # its pages no longer move together: each speaks for itself
        by_key = {m.key: g for g in groups for m in g.moves}
        for event in events.values():
            if event.status != Status.OPEN:
                continue
            group = by_key.get(event.pk)
            others = len(group.pages - {event.page_id}) if group else 0
            details = dict(event.details or {})
            details["platform_checked"] = max(0, tracked - 1)
            if others:
                details["platform_pages"] = others
            else:
                details.pop("platform_pages", None)
            link = links.get(event.pk)
            if details != event.details or event.platform_event_id != (link and link.pk):
                event.details = details
                event.platform_event = link
                event.save(update_fields=["details", "platform_event"])
