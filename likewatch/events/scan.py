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
from likewatch.tracking.models import (
    CampaignPage,
    Direction,
    FetchFailure,
    Observation,
    Page,
)

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
    spans = Observation.objects.filter(page=page)
    misses = FetchFailure.objects.filter(page=page)
    if since is not None:
        spans = spans.filter(last_seen__gte=since)
        misses = misses.filter(at__gte=since)
    records: list[detect.Span | detect.Miss] = [
        detect.Span(
            seq=seq,
            value=value,
            precision=precision,
            first_seen=_epoch(first),
            last_seen=_epoch(last),
            fetches=fetches,
        )
        for seq, value, precision, first, last, fetches in spans.values_list(
            "seq", "value", "precision", "first_seen", "last_seen", "fetches"
        )
    ]
    records += [detect.Miss(seq=seq, at=_epoch(at)) for seq, at in misses.values_list("seq", "at")]
    return records


def siblings(page: Page, since: datetime | None) -> detect.Siblings:
    """The same platform page's other metrics (likes beside followers)."""
    series = {}
    others = Page.objects.filter(platform=page.platform, platform_id=page.platform_id).exclude(
        pk=page.pk
    )
    for other in others:
        spans = Observation.objects.filter(page=other, value__isnull=False)
        if since is not None:
            spans = spans.filter(last_seen__gte=since)
        series[other.metric] = [
            (_epoch(first), value)
            for first, value in spans.order_by("seq").values_list("first_seen", "value")
        ]
    return detect.Siblings(series)


def campaign_down(page: Page, at: datetime) -> bool:
    """Is a running campaign asking people to leave this page?"""
    return (
        CampaignPage.objects.filter(
            page=page, direction=Direction.LEAVE, campaign__starts_at__lte=at
        )
        .exclude(campaign__ends_at__lt=at)
        .exists()
    )


def scan_page(page: Page, *, rescan: bool = False, now: datetime | None = None) -> ScanResult:
    """Detect events in `page`'s history and store them (see the module docstring)."""
    now = now or timezone.now()
    # The window ends at the page's newest record, not the clock: a replay or an import
    # of old history is judged the same way as live fetches.
    latest = max((t for t in (page.last_success_at, page.last_error_at) if t), default=now)
    detector = detect.Detector(page.interval, campaign_down=campaign_down(page, latest))
    since = None if rescan else latest - lookback(detector)
    records = history(page, since)
    result = ScanResult(page)
    if not records:
        return result
    detector.siblings = siblings(page, since)
    findings = detector.run(records)
    # Findings near the start of what was read came from a cold window: they may only
    # update an event already stored, never create or withdraw one.
    first = min(r.first_seen if isinstance(r, detect.Span) else r.at for r in records)
    settled = _moment(first) + timedelta(seconds=detector.window_size * detector.interval)
    settled = settled if since else None
    with transaction.atomic():
        stored = {
            (e.kind, int(e.start.timestamp())): e
            for e in Event.objects.select_for_update().filter(
                page=page, **({"end__gte": since} if since else {})
            )
        }
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
    return result


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
