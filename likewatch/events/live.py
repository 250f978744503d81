"""Live detection: scan a page when its history changes (the tracking signals).

The signals fire after the write commits, in the process that wrote (the poller), so a
scan never slows or breaks the write itself; a failing scan is logged and dropped, and the
next one (or `likewatch events --rescan`) catches up. Set LIKEWATCH_EVENTS_LIVE=False to
leave detection to the command alone.

What triggers a scan, kept cheap for a page fetched every minute:

- a new span (the count changed): steps are what bursts and purges are made of;
- an open span that keeps reading the same value, every `detect.STALE_MIN_INTERVALS`
  fetches: a stale count can only be noticed while nothing changes;
- a failed fetch once failures run `detect.GAP_INTERVALS` in a row: an ongoing gap.
"""

from __future__ import annotations

import logging

from django.conf import settings

from likewatch.events import detect
from likewatch.tracking import signals

log = logging.getLogger("likewatch.events")


def connect() -> None:
    signals.observation_recorded.connect(on_observation, dispatch_uid="events-observation")
    signals.failure_recorded.connect(on_failure, dispatch_uid="events-failure")


def _enabled() -> bool:
    return getattr(settings, "LIKEWATCH_EVENTS_LIVE", True)


def on_observation(sender, page, observation, created, **kwargs) -> None:
    if not _enabled():
        return
    unchanged = observation.fetches - 1
    if created or (unchanged and unchanged % detect.STALE_MIN_INTERVALS == 0):
        _scan(page)


def on_failure(sender, page, failure, **kwargs) -> None:
    if _enabled() and page.failures_in_row >= detect.GAP_INTERVALS:
        _scan(page)


def _scan(page) -> None:
    from likewatch.events.scan import scan_page

    try:
        scan_page(page)
    except Exception:  # detection must never cost a measurement
        log.exception("live event scan of page %s failed", page.pk)
