"""Feed a page's new history to its detector, resumed from its stored state, and store events.

One code path for live detection and a rescan (`_scan`); both feed the detector a page's
records in time order (`tracking.records`), so they find the same events:

- live (`scan_pages`, called by the poller for a round's pages): the page's `DetectorState`
  is loaded, the records from the state's `seq` on (the newest it read, again: an open span
  grows) are fed to `detect.Detector`, and the new state is stored with the events, in one
  transaction. Those records are the round's own when the caller hands them over
  (`following`, what the events consumer was given) and they start where the state ended;
  otherwise (no state yet, a record the round lacks) they are read from the history. A page
  with no state yet (new, or tracked before this version) reads its whole history once.
- rescan (`scan_page(page, rescan=True)`, `likewatch events --rescan`): the state is dropped
  and the whole history fed from the start; open events it no longer finds are withdrawn.
- a backfill (`likewatch import` of counts from before the page was tracked): its records
  take the next seqs but are older than what the state read (`detect.Detector.rewinds`), so
  the round that brings them rescans the page, as above, in the same transaction. The
  importer only stores rows; the events consumer notices and rescans. Imported counts
  appended after the page's newest record are read the same way (`_imports`). The other
  rounds read what they read before.

Whenever the whole history is read (a page's first scan, a rescan, a round that brings
imported counts), archive runs spaced too far apart for the page's detector are judged at
their own spacing, or noted as unjudged for the page's history to say so
(likewatch.events.archives). Nothing of that is in the stored state, and the other rounds
read no archive: live detection and a rescan find the same events.

Events are keyed (page, kind, start): a finding with a known key updates its event (an ongoing
event grows), a new key makes a new event, and a key the detector replaced by merging two
episodes into one event is withdrawn. Reviewed events (confirmed or dismissed) are never
touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from likewatch.events import apart, archives, detect, quiet
from likewatch.events import platform as platforms
from likewatch.events.models import DetectorState, Event, Status
from likewatch.tracking import bulk
from likewatch.tracking import records as history_records
from likewatch.tracking.models import CampaignPage, Direction, Page, Provenance

log = logging.getLogger("likewatch.events")


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


def target() -> float:
    """Unusual gain/drop flags allowed per page per 30 days of ordinary traffic (a setting)."""
    return float(getattr(settings, "LIKEWATCH_EVENTS_FALSE_ALARMS_PER_30_DAYS", 1.0))


def fetches_per_flag() -> float:
    """...and at most one per this many fetches of the page (a setting)."""
    return float(
        getattr(
            settings,
            "LIKEWATCH_EVENTS_FETCHES_PER_FALSE_ALARM",
            detect.DEFAULT_FETCHES_PER_FLAG,
        )
    )


def history(page: Page, since_seq: int = 0) -> list[detect.Span | detect.Miss]:
    """The page's records from `since_seq` on, in time order, in the detector's terms."""
    return _histories([page], {page.pk: since_seq})[page.pk]


def _histories(pages: list[Page], since: dict[int, int]) -> dict[int, list]:
    # One query per kind of record for all the pages, each from its own seq, in time order
    # (tracking.records: a backfill's records come before those numbered before them).
    ids = [p.pk for p in pages]
    records: dict[int, list] = {pk: [] for pk in ids}
    if not ids:
        return records
    found = history_records.many(
        ids, since_seq={pk: since[pk] for pk in ids if since[pk]}, by_time=True
    )
    for page_id, rows in found.items():
        for r in rows:
            if isinstance(r, history_records.Span):
                records[page_id].append(
                    detect.Span(
                        seq=r.seq,
                        value=r.value,
                        precision=r.precision,
                        first_seen=_epoch(r.first_seen),
                        last_seen=_epoch(r.last_seen),
                        fetches=r.fetches,
                        imported=r.provenance == Provenance.IMPORTED,
                    )
                )
            else:
                records[page_id].append(detect.Miss(seq=r.seq, at=_epoch(r.at)))
    return records


def _siblings(pages: list[Page], since: dict[int, float]) -> dict[int, detect.Siblings]:
    """The same platform page's other metrics (likes beside followers), from `since` on."""
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
    points: dict[int, list[tuple[float, float, int]]] = {pk: [] for pk in wanted}
    if wanted:
        earliest = min(since.values(), default=0.0)
        found = history_records.many(sorted(wanted), start=_moment(earliest), by_time=True)
        for page_id, rows in found.items():
            for r in rows:
                if isinstance(r, history_records.Span) and r.value is not None:
                    points[page_id].append((_epoch(r.first_seen), _epoch(r.last_seen), r.value))
    found = {}
    for p in pages:
        series = {
            metric: [(first, value) for first, last, value in points[pk] if last >= since[p.pk]]
            for pk, metric in by_key.get((p.platform, p.platform_id), [])
            if pk != p.pk
        }
        found[p.pk] = detect.Siblings(series)
    return found


def _campaigns(page_ids: list[int]) -> dict[int, list[detect.Campaign]]:
    """The campaigns moving each page (start, end or None, direction), for its detector to
    judge each fetch by the campaigns running when it was recorded (detect.Campaign).

    One query for all the pages: a live scan runs after every batch of rounds, and a query
    per direction was a sixth of its cost at 200 pages a minute."""
    rows = CampaignPage.objects.filter(page_id__in=page_ids)
    windows: dict[int, list[detect.Campaign]] = {pk: [] for pk in page_ids}
    for page_id, direction, starts, ends in rows.values_list(
        "page_id", "direction", "campaign__starts_at", "campaign__ends_at"
    ):
        if direction in (Direction.LEAVE, Direction.JOIN):
            way = detect.LEAVE if direction == Direction.LEAVE else detect.JOIN
            end = None if ends is None else _epoch(ends)
            windows[page_id].append(detect.Campaign(_epoch(starts), end, way))
    return windows


def scan_page(page: Page, *, rescan: bool = False, now: datetime | None = None) -> ScanResult:
    """Feed `page`'s new records (all of them with `rescan`) and store what it finds."""
    return _scan([page], rescan=rescan, now=now, isolate=False)[0]


def scan_pages(
    pages: list[Page],
    *,
    now: datetime | None = None,
    following: dict[int, list[detect.Span | detect.Miss]] | None = None,
) -> list[ScanResult]:
    """`scan_page` for a round's pages, in a fixed number of queries. A page whose detection
    fails is logged and skipped; the others are stored.

    `following` (page id -> records in seq order, in the detector's terms) are records the
    caller already holds, the newest of each page: a page whose records start where its stored
    state ended is fed them, and its history is not read. An extension of an open span may
    leave `first_seen` as None when the span began before them (the state knows it)."""
    return _scan(pages, rescan=False, now=now, isolate=True, following=following)


@dataclass(frozen=True)
class Ended:
    """An open span given only as it ended, when a record sealed it (`live.following`): the
    rest of it (value, first fetch) is what the state holds (`_continuing`)."""

    seq: int
    last_seen: float
    fetches: int


def _continuing(state: dict, records: list) -> list | None:
    """`records` completed from `state`, if they are every record after the one the state
    ended on (that one again, grown, allowed); None if the history must be read instead."""
    seq = state.get("seq", 0)
    prev = state.get("prev")
    if not seq or not records:
        return None
    newest, complete = seq, []
    for record in records:
        if record.seq > newest + 1:
            return None  # a record in between is not in hand
        newest = max(newest, record.seq)
        if isinstance(record, Ended):
            if prev is not None and prev.get("seq") == record.seq:
                record = detect.Span(
                    seq=record.seq,
                    value=prev["value"],
                    precision=prev["precision"],
                    first_seen=prev["first_seen"],
                    last_seen=record.last_seen,
                    fetches=record.fetches,
                    imported=prev.get("imported", False),
                )
            elif prev is not None and record.seq <= seq and record.last_seen <= prev["last_seen"]:
                # Older than the state's newest span: read whole already (a backfill's last
                # span, sealed only now). Only a span as new as the page's newest fetch is
                # ever extended (tracking.history), so it cannot have grown since.
                continue
            else:
                return None
        elif isinstance(record, detect.Span) and record.first_seen is None:
            # An open span that began before these records: the state holds its start.
            if prev is None or prev.get("seq") != record.seq:
                return None
            record = replace(record, first_seen=prev["first_seen"])
        complete.append(record)
    return complete


def _scan(
    pages: list[Page],
    *,
    rescan: bool,
    now: datetime | None,
    isolate: bool,
    following: dict[int, list] | None = None,
):
    now = now or timezone.now()
    results = {p.pk: ScanResult(p) for p in pages}
    if not pages:
        return []
    # Each fetch is judged by the campaigns running when it was recorded: read every round,
    # never stored in a page's state (a campaign can be added, or end, at any time).
    moved = _campaigns([p.pk for p in pages])
    # No savepoint inside the events consumer's transaction: a failure fails it all the same.
    with transaction.atomic(savepoint=False):
        states = {
            s.page_id: s
            for s in DetectorState.objects.select_for_update().filter(
                page_id__in=[p.pk for p in pages]
            )
        }
        saved = {
            pk: (
                {}
                if rescan or s.interval != _page(pages, pk).interval
                else detect.Detector.unpack(bytes(s.state))
            )
            for pk, s in states.items()
        }
        # A state an earlier version stored is not read (the detector starts afresh): the page
        # is then read from its first record, not from where that state stopped.
        saved = {
            pk: state if state.get("version") == detect.STATE_VERSION else {}
            for pk, state in saved.items()
        }
        since = {p.pk: (saved.get(p.pk) or {}).get("seq", 0) for p in pages}
        records = {}
        for pk, held in (following or {}).items():
            complete = _continuing(saved.get(pk) or {}, held) if pk in since else None
            if complete is not None:
                records[pk] = complete
        records.update(_histories([p for p in pages if p.pk not in records], since))
        # A backfill landed (records numbered after the state's, older than what it read):
        # the state cannot take them, so the page is rescanned, its whole history read again
        # in time order. Only such a round reads more; the others read what they read before.
        rewound = {
            p.pk
            for p in pages
            if detect.Detector.rewinds(saved.get(p.pk), records[p.pk])
            or _imports(saved.get(p.pk), records[p.pk])
        }
        if rewound:
            for pk in rewound:
                saved[pk] = {}
            records.update(
                _histories([p for p in pages if p.pk in rewound], dict.fromkeys(rewound, 0))
            )
        read = [p for p in pages if records[p.pk]]
        first_time = {
            p.pk: min(r.first_seen if isinstance(r, detect.Span) else r.at for r in records[p.pk])
            for p in read
        }
        sibling_series = _siblings(read, first_time) if read else {}
        new: list[DetectorState] = []
        changed: list[DetectorState] = []
        flagged: list[tuple[Page, detect.Finding]] = []
        moved_apart: list[int] = []  # pages whose flagged gains or drops changed
        for page in read:
            detector = detect.Detector(
                page.interval,
                siblings=sibling_series[page.pk],
                campaigns=moved[page.pk],
                target=target(),
                fetches_per_flag=fetches_per_flag(),
                state=saved.get(page.pk),
            )
            try:
                found = detector.feed(records[page.pk])
                found += detector.finish()
            except Exception:
                if not isolate:
                    raise
                log.exception("event scan of page %s failed", page.pk)
                continue
            # A flat run is stale or quiet by one rule, which also asks the platform's others.
            whole = not since[page.pk] or page.pk in rewound  # read from its first record
            if whole:
                found, unjudged = archives.review(
                    page.interval,
                    records[page.pk],
                    found,
                    siblings=sibling_series[page.pk],
                    target=target(),
                    fetches_per_flag=fetches_per_flag(),
                )
            found, quiet_keys = quiet.review(page, found)
            if _store(
                results[page.pk],
                found,
                detector.withdrawn | quiet_keys,
                rescan or page.pk in rewound,
                now,
            ):
                moved_apart.append(page.pk)
            flagged += [(page, f) for f in found if f.kind in (detect.GAIN, detect.PURGE)]
            row = states.get(page.pk) or DetectorState(page=page)
            row.state, row.interval, row.updated_at = detector.packed(), page.interval, now
            if whole:
                row.unjudged_archives = unjudged
            (changed if row.pk and page.pk in states else new).append(row)
        # Two statements for the round's states, however many pages (bulk.update_rows: Django's
        # bulk_update builds a CASE per row and field, which cost more than the scan itself).
        DetectorState.objects.bulk_create(new)
        bulk.update_rows(changed, ["state", "interval", "updated_at", "unjudged_archives"])
        if flagged:
            # Many pages of one platform moving together: the platform, said once.
            platforms.relate(flagged, now)
        # Their effect estimates took the old flags out: refreshed first, not in 15 minutes.
        apart.changed(moved_apart)
    return [results[p.pk] for p in pages]


def _imports(state: dict | None, records: list) -> bool:
    """Whether `records` bring imported counts the state has not read (appended after the
    page's newest record, or extending its newest span): the page's whole history is then
    read again, so its archive runs are judged as a rescan judges them (events.archives)."""
    if not state:
        return False
    seq, prev = state.get("seq", 0), state.get("prev") or {}
    return any(
        isinstance(r, detect.Span)
        and r.imported
        and (r.seq > seq or (r.seq == prev.get("seq") and r.last_seen != prev.get("last_seen")))
        for r in records
    )


def _page(pages: list[Page], pk: int) -> Page:
    return next(p for p in pages if p.pk == pk)


def _store(result: ScanResult, findings, withdrawn, rescan: bool, now: datetime) -> bool:
    """Store the findings; returns whether an unusual gain or drop was stored, changed or
    withdrawn (what likewatch.events.apart keeps apart)."""
    page = result.page
    touched = False
    keys = {f.key for f in findings}
    wanted = keys | set(withdrawn)
    stored = {}
    if rescan:
        events = Event.objects.filter(page=page)
    elif wanted:
        # A key holds the whole second an event started; stored starts keep the fetch's
        # microseconds, so each key is the one-second window it names.
        within = Q()
        for kind, start in wanted:
            within |= Q(kind=kind, start__gte=_moment(start), start__lt=_moment(start + 1))
        events = Event.objects.filter(within, page=page)
    else:
        events = []
    for event in events:
        stored[(event.kind, int(event.start.timestamp()))] = event
    for finding in findings:
        event = stored.get(finding.key)
        if event is None:
            Event.objects.create(page=page, **_fields(finding), detected_at=now)
            result.created += 1
            touched |= finding.kind in apart.KINDS
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
        touched |= event.kind in apart.KINDS
    for key, event in stored.items():
        if key in keys or event.status != Status.OPEN:
            continue
        if rescan or key in withdrawn:
            event.delete()
            result.withdrawn += 1
            touched |= event.kind in apart.KINDS
    return touched


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
