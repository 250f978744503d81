"""Run the detector over a page's stored history and store what it finds, idempotently.

`scan_page(page)` reads the recent history (enough for the detector's rolling window to
warm up, `lookback()`), runs `detect.Detector`, and reconciles the findings with the stored
events by their key (page, kind, start):

- a finding with a new key becomes an Event; one with a known key updates it (an ongoing
  event extends, its size and confidence follow);
- an open, unreviewed event that the detector no longer finds, inside the part of the history
  it judged with a warmed-up window, is withdrawn (what looked like a burst turned out to be
  the pace changing);
- a reviewed event (confirmed or dismissed) is never touched.

`scan_page(page, rescan=True)` reads the whole history instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from likewatch.events import detect
from likewatch.events.models import Event, Status
from likewatch.tracking import records as history_records
from likewatch.tracking.models import CampaignPage, Direction, Page

log = logging.getLogger("likewatch.events")


def lookback(detector: detect.Detector) -> timedelta:
    """How much history a live scan reads: three rolling windows, and an hour for the event.

    Counted in the page's own intervals, so a page fetched every minute reads three hours
    and one fetched every quarter of an hour reads eighteen: the same number of steps.
    """
    return timedelta(seconds=3 * detector.window_size * detector.interval, hours=1)


@dataclass
class ScanResult:
    page: Page
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    unchanged: int = 0


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def history(page: Page, since: datetime | None) -> list[detect.Span | detect.Miss]:
    """The page's records from `since` on (all with None), in the detector's terms."""
    return _histories([page], {page.pk: since})[page.pk]


def _histories(pages: list[Page], since: dict[int, datetime | None]) -> dict[int, list]:
    # One query per kind of record for all the pages, from the earliest `since`; each page
    # then keeps its own part.
    ids = [p.pk for p in pages]
    found = history_records.many(ids, start=_earliest(since))
    records: dict[int, list] = {pk: [] for pk in ids}
    for page_id, rows in found.items():
        for r in rows:
            if not _after(r.end, since[page_id]):
                continue
            if isinstance(r, history_records.Span):
                records[page_id].append(
                    detect.Span(
                        seq=r.seq,
                        value=r.value,
                        precision=r.precision,
                        first_seen=_epoch(r.first_seen),
                        last_seen=_epoch(r.last_seen),
                        fetches=r.fetches,
                    )
                )
            else:
                records[page_id].append(detect.Miss(seq=r.seq, at=_epoch(r.at)))
    return records


def _earliest(since: dict[int, datetime | None]) -> datetime | None:
    # None (the whole history) for any page means the whole history for the query.
    moments = list(since.values())
    return None if None in moments else min(moments, default=None)


def _after(moment: datetime, since: datetime | None) -> bool:
    return since is None or moment >= since


def siblings(page: Page, since: datetime | None) -> detect.Siblings:
    """The same platform page's other metrics (likes beside followers)."""
    return _siblings([page], {page.pk: since})[page.pk]


def _siblings(pages: list[Page], since: dict[int, datetime | None]) -> dict[int, detect.Siblings]:
    others = Page.objects.filter(platform_id__in={p.platform_id for p in pages}).order_by("pk")
    by_key: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for pk, platform, platform_id, metric in others.values_list(
        "pk", "platform", "platform_id", "metric"
    ):
        by_key.setdefault((platform, platform_id), []).append((pk, metric))
    wanted = {
        pk
        for p in pages
        for pk, _metric in by_key.get((p.platform, p.platform_id), [])
        if pk != p.pk
    }
    points: dict[int, list[tuple[datetime, datetime, int]]] = {pk: [] for pk in wanted}
    if wanted:
        found = history_records.many(sorted(wanted), start=_earliest(since))
        for page_id, rows in found.items():
            for r in rows:
                if isinstance(r, history_records.Span) and r.value is not None:
                    points[page_id].append((r.first_seen, r.last_seen, r.value))
    found = {}
    for p in pages:
        series = {
            metric: [
                (_epoch(first), value)
                for first, last, value in points[pk]
                if _after(last, since[p.pk])
            ]
            for pk, metric in by_key.get((p.platform, p.platform_id), [])
            if pk != p.pk
        }
        found[p.pk] = detect.Siblings(series)
    return found


def campaign_down(page: Page, at: datetime) -> bool:
    """Is a running campaign asking people to leave this page?"""
    return page.pk in _campaigns_down({page.pk: at})


def _campaigns_down(moments: dict[int, datetime]) -> set[int]:
    # The pages a running campaign asks people to leave, each at its own moment.
    rows = CampaignPage.objects.filter(page_id__in=list(moments), direction=Direction.LEAVE)
    return {
        page_id
        for page_id, starts, ends in rows.values_list(
            "page_id", "campaign__starts_at", "campaign__ends_at"
        )
        if starts <= moments[page_id] and not (ends is not None and ends < moments[page_id])
    }


def scan_page(page: Page, *, rescan: bool = False, now: datetime | None = None) -> ScanResult:
    """Detect events in `page`'s history and store them (see the module docstring)."""
    return _scan([page], rescan=rescan, now=now, isolate=False)[0]


def scan_pages(pages: list[Page], *, now: datetime | None = None) -> list[ScanResult]:
    """`scan_page` for many pages at once, reading them in a fixed number of queries.

    The poller scans a round's changed pages together: five queries for the round instead of
    five per page. A page whose detection fails is logged and skipped; the others are stored.
    """
    return _scan(pages, rescan=False, now=now, isolate=True)


def _scan(pages: list[Page], *, rescan: bool, now: datetime | None, isolate: bool):
    now = now or timezone.now()
    # The window ends at the page's newest record, not the clock: a replay or an import
    # of old history is judged the same way as live fetches.
    latest = {
        p.pk: max((t for t in (p.last_success_at, p.last_error_at) if t), default=now)
        for p in pages
    }
    down = _campaigns_down(latest)
    detectors = {p.pk: detect.Detector(p.interval, campaign_down=p.pk in down) for p in pages}
    since = {
        pk: None if rescan else latest[pk] - lookback(detector)
        for pk, detector in detectors.items()
    }
    records = _histories(pages, since)
    results = {p.pk: ScanResult(p) for p in pages}
    read = [p for p in pages if records[p.pk]]
    if not read:
        return list(results.values())
    sibling_series = _siblings(read, since)
    found = {}
    for page in read:
        detector = detectors[page.pk]
        detector.siblings = sibling_series[page.pk]
        try:
            found[page.pk] = detector.run(records[page.pk])
        except Exception:
            if not isolate:
                raise
            log.exception("event scan of page %s failed", page.pk)
    with transaction.atomic():
        stored = _stored_events([p for p in read if p.pk in found], since)
        for page in read:
            if page.pk not in found:
                continue
            # Findings near the start of what was read came from a cold window: they may
            # only update an event already stored, never create or withdraw one.
            first = min(
                r.first_seen if isinstance(r, detect.Span) else r.at for r in records[page.pk]
            )
            window = timedelta(seconds=detectors[page.pk].window_size * page.interval)
            settled = _moment(first) + window if since[page.pk] else None
            _reconcile(results[page.pk], found[page.pk], stored[page.pk], settled, now)
    return list(results.values())


def _stored_events(pages: list[Page], since: dict[int, datetime | None]) -> dict[int, dict]:
    stored: dict[int, dict] = {p.pk: {} for p in pages}
    events = Event.objects.select_for_update().filter(page_id__in=list(stored))
    earliest = _earliest({pk: since[pk] for pk in stored})
    if earliest is not None:
        events = events.filter(end__gte=earliest)
    for event in events:
        if _after(event.end, since[event.page_id]):
            stored[event.page_id][(event.kind, int(event.start.timestamp()))] = event
    return stored


def _reconcile(result: ScanResult, findings, stored: dict, settled, now: datetime) -> None:
    page = result.page
    seen_keys = set()
    for finding in findings:
        key = finding.key
        seen_keys.add(key)
        event = stored.get(key)
        if event is None:
            if settled is not None and _moment(finding.start) < settled:
                continue
            Event.objects.create(page=page, **_fields(finding), detected_at=now)
            result.created += 1
            continue
        if event.status != Status.OPEN:
            result.unchanged += 1
            continue
        fields = _fields(finding)
        if all(getattr(event, name) == value for name, value in fields.items()):
            result.unchanged += 1
            continue
        for name, value in fields.items():
            setattr(event, name, value)
        event.updated_at = now
        event.save()
        result.updated += 1
    for key, event in stored.items():
        if key in seen_keys or event.status != Status.OPEN:
            continue
        if settled is not None and event.start < settled:
            continue
        event.delete()
        result.withdrawn += 1


def _fields(finding: detect.Finding) -> dict:
    return {
        "kind": finding.kind,
        "start": _moment(finding.start),
        "end": _moment(finding.end),
        "size": float(finding.size),
        "expected": float(finding.expected),
        "seen": float(finding.seen),
        "confidence": float(finding.confidence),
        "ongoing": finding.ongoing,
        "seq_from": finding.seq_from,
        "seq_to": finding.seq_to,
        "details": finding.details,
    }


def scan_all(*, rescan: bool = False, pages=None) -> list[ScanResult]:
    """Scan every page (or `pages`); one page's failure is logged, never fatal."""
    results = []
    for page in pages if pages is not None else Page.objects.all():
        try:
            results.append(scan_page(page, rescan=rescan))
        except Exception:  # one page's odd history must not stop the others
            log.exception("event scan of page %s failed", page.pk)
    return results
