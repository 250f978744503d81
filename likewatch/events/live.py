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

Inside `batched()` (the poller wraps each round in it) the pages are collected and scanned
together at the end of the block, in a fixed number of queries (`scan.scan_pages`): at ten
thousand pages a minute, five queries per changed page would cost the poller most of its time.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.conf import settings

from likewatch.events import detect
from likewatch.tracking import signals

log = logging.getLogger("likewatch.events")
_local = threading.local()


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


@contextmanager
def batched():
    """Collect the pages to scan inside the block; scan them together at its end."""
    if getattr(_local, "pages", None) is not None:
        yield
        return
    _local.pages = {}
    try:
        yield
    finally:
        pages, _local.pages = _local.pages, None
        _scan_many(list(pages.values()))


def _scan(page) -> None:
    pending = getattr(_local, "pages", None)
    if pending is not None:
        pending[page.pk] = page  # twice in one block is one scan, of the newest history
        return
    from likewatch.events.scan import scan_page

    try:
        scan_page(page)
    except Exception:  # detection must never cost a measurement
        log.exception("live event scan of page %s failed", page.pk)


def _scan_many(pages: list) -> None:
    if not pages:
        return
    from likewatch.events.scan import scan_pages

    try:
        scan_pages(pages)
    except Exception:  # detection must never cost a measurement
        log.exception("live event scan of %d page(s) failed", len(pages))
