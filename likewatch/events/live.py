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

The rolling state: each page's detector state is stored (`DetectorState`) in this consumer's
transaction, with its cursor, so it always ends on the record the cursor says was processed.
The records after it are then exactly the page's records in the rounds this consumer is handed
next, so those are what the detector is fed (`following`): after hours of history a scan reads
no history at all. Where they do not continue the state (a page scanned for the first time, a
failure in an earlier batch that did not ask for a scan), the scan reads the history from the
state's last record, as a rescan does from the first.
"""

from __future__ import annotations

from django.conf import settings

from likewatch.events import detect
from likewatch.tracking import consumers
from likewatch.tracking.models import Provenance

NAME = "events"
# In the poller, rounds reach detection in batches at most this often (consumers.pace), which
# spreads a batch's few fixed queries over a couple of rounds. Not more: the scan reads no
# history any more (`following`), so its cost is per page, and a batch runs in the poller's
# thread between two rounds; ten seconds of 10,000 pages a minute held the next round back
# by the scan of some 1,700 pages, which is what the schedule lag's p99 measured.
EVERY = 2.0


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
    scan_pages([pages[pk] for pk in wanted if pk in pages], following=following(batch, wanted))


def following(batch: consumers.Batch, page_ids: list[int]) -> dict[int, list]:
    """The batch's records of `page_ids`, each page's in order, in the detector's terms.

    An extension of a span the batch did not open carries no first fetch (None): the state the
    scan resumes from knows it (`scan.scan_pages`). So does the span a record seals, given as
    it ended (`_ended`)."""
    wanted = set(page_ids)
    found: dict[int, list] = {pk: [] for pk in page_ids}
    opened: dict[tuple[int, int], float] = {}  # (page, seq) -> first fetch, of spans opened here
    for r in batch.records:
        if r.page_id not in wanted:
            continue
        at = r.at.timestamp()
        if r.sealed and r.sealed_last_seen is not None:
            _ended(found[r.page_id], r)
        if r.kind == consumers.FAILURE:
            found[r.page_id].append(detect.Miss(seq=r.seq, at=at))
            continue
        if r.created:
            opened[(r.page_id, r.seq)] = at
        found[r.page_id].append(
            detect.Span(
                seq=r.seq,
                value=r.value,
                precision=r.precision,
                first_seen=opened.get((r.page_id, r.seq)),
                last_seen=at,
                fetches=r.fetches,
                imported=r.provenance == Provenance.IMPORTED,
            )
        )
    return found


def _ended(records: list, sealing: consumers.Written) -> None:
    """Add, before the record that seals it, the page's open span as it ended, unless the batch
    already holds it so.

    An unchanged fetch extends the open span and asks for no scan, so the page's stored state
    may hold that span as an earlier scan saw it: fed the next record against that, the
    detector read the fetches in between as missing (a false gap) and the step as spread over
    them, and a rescan disagreed. The state holds the rest of the span (`scan.Ended`)."""
    from likewatch.events.scan import Ended

    last = records[-1] if records else None
    if isinstance(last, detect.Span) and last.seq == sealing.sealed:
        return  # opened or extended in this batch: its last record is how it ended
    records.append(
        Ended(sealing.sealed, sealing.sealed_last_seen.timestamp(), sealing.sealed_fetches)
    )
