"""Live detection: the events consumer of the history (likewatch.tracking.consumers).

Each committed round reaches `consume` after the write, in the process that wrote (the
poller), so a scan never slows or breaks the write itself. A scan runs in the consumer's
transaction with its cursor: a failing scan rolls back and is retried from the journal, and a
replayed round scans again, which the scan's idempotent storing of findings makes harmless.
Set LIKEWATCH_EVENTS_LIVE=False to leave detection to `likewatch events --rescan` alone.

What triggers a scan, kept cheap for a page fetched every minute:

- a new span (the count changed): steps are what bursts and purges are made of;
- an open span that keeps reading the same value, every `detect.STALE_MIN_INTERVALS`
  fetches: a stale count can only be noticed while nothing changes;
- a failed fetch once failures run `detect.GAP_INTERVALS` in a row: an ongoing gap.

A round's pages are scanned together, in a fixed number of queries (`scan.scan_pages`): at ten
thousand pages a minute, five queries per changed page would cost the poller most of its time.
Rolling detector state, when there is some, belongs in this consumer.
"""

from __future__ import annotations

from django.conf import settings

from likewatch.events import detect
from likewatch.tracking import consumers

NAME = "events"
# In the poller, rounds reach detection in batches at most this often (consumers.pace): one
# scan of ten rounds' pages reads their recent history once instead of ten times.
EVERY = 10.0


def _enabled() -> bool:
    return getattr(settings, "LIKEWATCH_EVENTS_LIVE", True)


def wants_scan(record: consumers.Written) -> bool:
    """Whether this written record is worth a scan of its page (see the module docstring)."""
    if record.kind == consumers.FAILURE:
        return record.failures_in_row >= detect.GAP_INTERVALS
    unchanged = record.fetches - 1
    return record.created or bool(unchanged and unchanged % detect.STALE_MIN_INTERVALS == 0)


def consume(batch: consumers.Batch) -> None:
    """Scan, together, the pages of the batch that are worth a scan."""
    if not _enabled():
        return
    # Twice in one batch is one scan, of the newest history.
    wanted = list(dict.fromkeys(r.page_id for r in batch.records if wants_scan(r)))
    if not wanted:
        return
    from likewatch.events.scan import scan_pages

    pages = batch.pages()
    scan_pages([pages[pk] for pk in wanted if pk in pages])
