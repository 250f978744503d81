"""Sealed history in compressed segments, and compaction: moving sealed records out of the tail.

The write path appends rows (`Observation`, `FetchFailure`) and only ever changes a page's
newest one. Every record before it is sealed: it will never change again. Compaction packs
sealed rows into `Segment`s of at most SEGMENT_RECORDS consecutive records
(`segments_codec`), then deletes the rows, so a page's history is a few compressed segments
and a tail of at most a few rows, whatever its length: about a byte per record instead of a
few hundred.

Compaction is one transaction per page, under the page's row lock (the one the write path
takes): a crash leaves either the rows or the segment, never both nor neither. It moves only
records up to the page's newest minus one, and records how far it went in
`Page.segmented_seq`, so running it twice, or in two processes, moves nothing twice. It runs
as a consumer of the write path (`consume`, after every committed round) and from
`likewatch compact`. Reading (`likewatch.tracking.records`) joins segments and tail by time.

A backfill (`likewatch.tracking.history.record_backfill`) numbers counts older than a page's
first record after its newest. The compaction never packs such a run together with the
records around it: a segment ends where time goes back (a backfilled run begins) and where
it jumps past everything packed before (the run ends). So segments never overlap in time and
ordering them by `start` orders their records by time, for any page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps as global_apps
from django.db import transaction
from django.db.models import F, Max

from likewatch.tracking import segments_codec as codec
from likewatch.tracking.records import Failure, Record, Span

log = logging.getLogger("likewatch.tracking")

# Most records in one segment: big enough that a row's own cost (a few dozen bytes) is spread
# thin, small enough that reading a day of minute samples decodes a few thousand records.
SEGMENT_RECORDS = 512
# Sealed records left in the tail before the poller compacts a page: compacting every round
# would re-pack the page's newest segment every minute.
TAIL_RECORDS = 16
# Rows read at once while compacting a long tail (a migrated history).
READ_CHUNK = 8192
# Its name as a consumer of the history (likewatch.tracking.consumers).
NAME = "segments"

OBSERVATION_COLUMNS = ("page_id", "seq", "value", "precision", "first_seen", "last_seen")
OBSERVATION_COLUMNS += ("fetches", "provenance", "source_url", "answer_produced_at")
FAILURE_COLUMNS = ("page_id", "seq", "at", "kind", "message", "duration_ms", "retry_at")


@dataclass(frozen=True)
class Summary:
    """What a chart needs of a segment without decoding it."""

    first_seq: int
    last_seq: int
    start: datetime
    end: datetime
    low: int | None
    low_at: datetime | None
    high: int | None
    high_at: datetime | None


def summarise(records: list[Record]) -> dict:
    """The Segment fields besides `page` and `data` for these records."""
    low = high = None
    low_at = high_at = None
    for r in records:
        if isinstance(r, Span) and r.value is not None:
            # The extremes keep the earliest moment they were seen.
            if low is None or r.value < low:
                low, low_at = r.value, r.first_seen
            if high is None or r.value > high:
                high, high_at = r.value, r.first_seen
    return {
        "first_seq": records[0].seq,
        "last_seq": records[-1].seq,
        "start": min(r.at for r in records),
        "end": max(r.end for r in records),
        "low": low,
        "low_at": low_at,
        "high": high,
        "high_at": high_at,
        "spans": sum(1 for r in records if isinstance(r, Span)),
        "failures": sum(1 for r in records if isinstance(r, Failure)),
    }


def _models(apps):
    apps = apps or global_apps
    return (
        apps.get_model("tracking", "Page"),
        apps.get_model("tracking", "Observation"),
        apps.get_model("tracking", "FetchFailure"),
        apps.get_model("tracking", "Segment"),
    )


def due(page_ids: Iterable[int] | None = None, *, keep: int = TAIL_RECORDS, apps=None) -> list:
    """Ids of the pages with more than `keep` sealed records in their tail."""
    Page = _models(apps)[0]
    pages = Page.objects.filter(last_seq__gt=F("segmented_seq") + keep + 1)
    if page_ids is not None:
        pages = pages.filter(pk__in=list(page_ids))
    return list(pages.order_by("pk").values_list("pk", flat=True))


def compact(page_ids: Iterable[int] | None = None, *, keep: int = TAIL_RECORDS, apps=None) -> int:
    """Compact the pages (default: all) whose tail holds more than `keep` sealed records.

    Returns how many records moved into segments. Safe to run at any time, in any number of
    processes, next to the pollers.
    """
    moved = 0
    for page_id in due(page_ids, keep=keep, apps=apps):
        moved += compact_page(page_id, apps=apps)
    return moved


def consume(batch) -> None:
    """The consumer of the history: compact the round's pages whose tail grew long enough.

    Runs in the consumer's transaction (with its cursor); each page is a savepoint of its own.
    """
    compact(batch.page_ids())


def compact_page(page_id: int, *, apps=None) -> int:
    """Move every sealed tail record of one page into segments; how many moved."""
    Page, Observation, FetchFailure, Segment = _models(apps)
    with transaction.atomic():
        state = (
            Page.objects.select_for_update()
            .filter(pk=page_id)
            .values_list("last_seq", "segmented_seq")
            .first()
        )
        if state is None:
            return 0
        last_seq, done = state
        upto = last_seq - 1  # the newest record stays a row: the write path may extend it
        if upto <= done:
            return 0
        newest = Segment.objects.filter(page_id=page_id).order_by("-first_seq").first()
        packer = _Packer(Segment, page_id)
        if newest is not None and newest.last_seq - newest.first_seq + 1 < SEGMENT_RECORDS:
            # Grow the last segment rather than leave a trail of small ones.
            packer.pending = codec.decode(newest.data)
            newest.delete()
        packer.high = Segment.objects.filter(page_id=page_id).aggregate(high=Max("end"))["high"]
        moved = 0
        for lo in range(done + 1, upto + 1, READ_CHUNK):
            hi = min(upto, lo + READ_CHUNK - 1)
            chunk = _tail(Observation, FetchFailure, page_id, lo, hi)
            moved += len(chunk)
            for record in chunk:
                packer.add(record)
        packer.flush()
        Observation.objects.filter(page_id=page_id, seq__gt=done, seq__lte=upto).delete()
        FetchFailure.objects.filter(page_id=page_id, seq__gt=done, seq__lte=upto).delete()
        Page.objects.filter(pk=page_id).update(segmented_seq=upto)
    return moved


class _Packer:
    """Cuts a page's records (in seq order) into segments that never overlap in time."""

    def __init__(self, Segment, page_id: int) -> None:
        self.Segment, self.page_id = Segment, page_id
        self.pending: list[Record] = []
        self.high: datetime | None = None  # the latest moment of the records packed before

    def add(self, record: Record) -> None:
        if self.pending:
            last = self.pending[-1].end
            # Time goes back: a backfilled run begins. Or the pending records are a run older
            # than what was packed before and this one is newer than all of it: the run ended.
            older_run = self.high is not None and last < self.high
            if record.at < last or (older_run and record.at > self.high):
                self.flush()
        self.pending.append(record)
        if len(self.pending) >= SEGMENT_RECORDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        _write(self.Segment, self.page_id, self.pending)
        end = max(r.end for r in self.pending)
        self.high = end if self.high is None else max(self.high, end)
        self.pending = []


def _own(model, columns: tuple[str, ...]) -> tuple[str, ...]:
    # The columns the model has: a migration's historical model may predate the newer ones
    # (0006 compacts rows that have no answer dates yet); the records' fields default.
    names = {f.name for f in model._meta.get_fields()} | {"page_id"}
    return tuple(c for c in columns if c in names)


def _tail(Observation, FetchFailure, page_id: int, lo: int, hi: int) -> list[Record]:
    columns = _own(Observation, OBSERVATION_COLUMNS)
    rows: list[Record] = [
        Span(**dict(zip(columns, row, strict=True)))
        for row in Observation.objects.filter(page_id=page_id, seq__gte=lo, seq__lte=hi)
        .order_by("seq")
        .values_list(*columns)
    ]
    rows += [
        Failure(*row)
        for row in FetchFailure.objects.filter(page_id=page_id, seq__gte=lo, seq__lte=hi)
        .order_by("seq")
        .values_list(*FAILURE_COLUMNS)
    ]
    rows.sort(key=lambda r: r.seq)
    return rows


def _write(Segment, page_id: int, records: list[Record]) -> None:
    Segment.objects.create(page_id=page_id, data=codec.encode(records), **summarise(records))


def read(
    page_id: int,
    *,
    seq_from: int | None = None,
    seq_to: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    newest_first: bool = False,
    only_failures: bool = False,
    by_seq: bool = True,
) -> Iterator[Record]:
    """The segmented records of a page within the bounds (see `records.records`), by seq or
    (`by_seq=False`) by time: segments never overlap in time (see the module's docstring)."""
    from likewatch.tracking.models import Segment

    rows = Segment.objects.filter(page_id=page_id)
    if only_failures:
        rows = rows.filter(failures__gt=0)
    if seq_from is not None:
        rows = rows.filter(last_seq__gte=seq_from)
    if seq_to is not None:
        rows = rows.filter(first_seq__lte=seq_to)
    if start is not None:
        rows = rows.filter(end__gte=start)
    if end is not None:
        rows = rows.filter(start__lte=end)
    order = ["first_seq"] if by_seq else ["start", "first_seq"]
    if newest_first:
        order = [f"-{name}" for name in order]
    rows = rows.order_by(*order).values_list("data", flat=True)
    for data in rows.iterator(chunk_size=16):
        decoded = codec.decode(data)
        if newest_first:
            decoded.reverse()
        for record in decoded:
            if seq_from is not None and record.seq < seq_from:
                continue
            if seq_to is not None and record.seq > seq_to:
                continue
            if start is not None and record.end < start:
                continue
            if end is not None and record.at > end:
                continue
            yield record


def summaries(page_id: int, start: datetime, end: datetime) -> list[Summary]:
    """The summaries of the page's segments overlapping [start, end], oldest first."""
    from likewatch.tracking.models import Segment

    rows = (
        Segment.objects.filter(page_id=page_id, end__gte=start, start__lte=end)
        .order_by("start", "first_seq")
        .values_list("first_seq", "last_seq", "start", "end", "low", "low_at", "high", "high_at")
    )
    return [Summary(*row) for row in rows]


def expand(page_ids: Iterable[int] | None = None, *, apps=None) -> int:
    """Unpack segments back into rows (reversing the migration); how many records.

    Rows carry the chain's hashes, which segments do not store: they are computed again, from
    the first record on, as the write path computed them.
    """
    from likewatch.tracking import chain

    Page, Observation, FetchFailure, Segment = _models(apps)
    chained = any(f.name == "hash" for f in Observation._meta.get_fields())
    pages = Page.objects.filter(segmented_seq__gt=0)
    if page_ids is not None:
        pages = pages.filter(pk__in=list(page_ids))
    unpacked = 0
    for page_id in pages.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            Page.objects.select_for_update().filter(pk=page_id).first()
            prev = chain.GENESIS
            obs, fails = [], []
            for data in (
                Segment.objects.filter(page_id=page_id)
                .order_by("first_seq")
                .values_list("data", flat=True)
            ):
                for r in codec.decode(data):
                    extra = {}
                    if chained:
                        digest = chain.link_hash(prev, r.form())
                        extra, prev = {"prev_hash": prev, "hash": digest}, digest
                    fields = {n: getattr(r, n) for n in r.__dataclass_fields__ if n != "is_open"}
                    if isinstance(r, Span):
                        fields = {n: fields[n] for n in _own(Observation, tuple(fields))}
                        obs.append(Observation(**fields, **extra))
                    else:
                        fails.append(FetchFailure(**fields, **extra))
            Observation.objects.bulk_create(obs, batch_size=1000)
            FetchFailure.objects.bulk_create(fails, batch_size=1000)
            Segment.objects.filter(page_id=page_id).delete()
            Page.objects.filter(pk=page_id).update(segmented_seq=0)
            unpacked += len(obs) + len(fails)
    return unpacked
