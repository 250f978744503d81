"""A page's history records as every reader sees them, wherever they are stored.

History lives in two places (see `likewatch.tracking.segments`): sealed records packed into
compressed segments, and a small tail of ordinary rows (`Observation`, `FetchFailure`) that
the write path appends to. Readers never query either directly: they ask this module for a
page's records in a seq or time range, newest first or oldest first, and get `Span` and
`Failure` values with the same fields as the rows, in time order.

Time order is seq order except after a backfill (likewatch.tracking.history.record_backfill):
a chain only grows at its end, so counts older than a page's first record take the next seqs.
Each backfilled run is older than everything numbered before it, and the compaction keeps it
in segments of its own, so segments never overlap in time: read by their start they come in
time order, and the few rows of the tail are merged in by time. The chain's own order (seq)
is there for the evidence (`records(..., by_seq=True)`).

The canonical form of a record (`form()`) is the one `likewatch.tracking.chain` builds from a
row, so a record read back from a segment is, byte for byte, the record that was written.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from operator import attrgetter, itemgetter
from typing import Any, TypeVar, overload

from likewatch.tracking import chain


@dataclass(slots=True)
class Span:
    """A span of identical values of one page (an `Observation`)."""

    page_id: int
    seq: int
    value: int | None
    precision: int
    first_seen: datetime
    last_seen: datetime
    fetches: int
    provenance: str
    source_url: str
    # When the platform produced the answer of the span's last fetch (Observation's field).
    answer_produced_at: datetime | None = None
    # Only the page's newest record can be open (still extended by identical fetches).
    is_open: bool = False

    @property
    def at(self) -> datetime:
        return self.first_seen

    @property
    def end(self) -> datetime:
        return self.last_seen

    def fields(self) -> dict[str, Any]:
        """The row's fields by name (page_id and seq included), as `Observation.__dict__`."""
        return {name: getattr(self, name) for name in SPAN_FIELDS}

    def get_provenance_display(self) -> str:
        from likewatch.tracking.models import Provenance

        return _label(Provenance, self.provenance)

    def form(self) -> dict[str, Any]:
        return chain.observation_form(self.page_id, self.seq, self.fields())


@dataclass(slots=True)
class Failure:
    """A fetch that produced no value (a `FetchFailure`): a gap."""

    page_id: int
    seq: int
    at: datetime
    kind: str
    message: str
    duration_ms: int
    retry_at: datetime | None

    is_open = False

    @property
    def end(self) -> datetime:
        return self.at

    def fields(self) -> dict[str, Any]:
        """The row's fields by name (page_id and seq included), as `FetchFailure.__dict__`."""
        return {name: getattr(self, name) for name in FAILURE_FIELDS}

    def get_kind_display(self) -> str:
        from likewatch.tracking.models import FailureKind

        return _label(FailureKind, self.kind)

    def form(self) -> dict[str, Any]:
        return chain.failure_form(self.page_id, self.seq, self.fields())


def _row_fields(record: type) -> tuple[str, ...]:
    # What a record shares with its row, in the row's order: every field of the dataclass
    # but `is_open`, which the reader works out (one list, so a new column is added once).
    return tuple(f.name for f in dataclasses.fields(record) if f.name != "is_open")


SPAN_FIELDS = _row_fields(Span)
FAILURE_FIELDS = _row_fields(Failure)
Record = Span | Failure
# An item of a stream in time order whose first element is its moment (see `interleave`).
Timed = TypeVar("Timed", bound=tuple)


def _label(choices, value: str) -> str:
    # As a model's get_FOO_display: the translated label, or the stored value if unknown.
    return str(dict(choices.choices).get(value, value))


def span_from_row(row, last_seq: int | None = None) -> Span:
    """A `Span` from an `Observation` row (or anything with its fields)."""
    span = Span(*(getattr(row, name) for name in SPAN_FIELDS))
    span.is_open = (row.seq == last_seq) if last_seq is not None else False
    return span


def failure_from_row(row) -> Failure:
    """A `Failure` from a `FetchFailure` row (or anything with its fields)."""
    return Failure(*(getattr(row, name) for name in FAILURE_FIELDS))


def as_record(obj) -> Record:
    """A `Span` or `Failure` from a record or from an `Observation` / `FetchFailure` row."""
    if isinstance(obj, Span | Failure):
        return obj
    if hasattr(obj, "first_seen"):
        span = span_from_row(obj)
        span.is_open = bool(getattr(obj, "is_open", False))
        return span
    return failure_from_row(obj)


def when(record: Record) -> tuple[datetime, int]:
    """The key of time order: the record's moment (a span's first fetch), then its seq."""
    return record.at, record.seq


def _page_id(page) -> int:
    return page if isinstance(page, int) else page.pk


def _last_seq(page_id: int) -> int:
    from likewatch.tracking.models import Page

    return Page.objects.filter(pk=page_id).values_list("last_seq", flat=True).first() or 0


def records(
    page,
    *,
    seq_from: int | None = None,
    seq_to: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    only_failures: bool = False,
    by_seq: bool = False,
) -> Iterator[Record]:
    """The records of `page` (a Page or its id), oldest first (`by_seq`: in chain order).

    `seq_from`/`seq_to` bound the seq numbers (inclusive); `start`/`end` keep the records whose
    time overlaps that window: a span from its first to its last fetch, a failure at its
    moment. Sealed segments are decoded only where they overlap what is asked.
    """
    from likewatch.tracking import segments

    page_id = _page_id(page)
    # The tail is read first: a compaction committing meanwhile moves records from the tail
    # into a segment, so reading the segments second can only find them twice, never miss
    # them (the seq check below drops the second copy).
    tail = tail_records(
        page_id,
        seq_from=seq_from,
        seq_to=seq_to,
        start=start,
        end=end,
        only_failures=only_failures,
    )
    in_tail = {r.seq for r in tail}
    stored = (
        record
        for record in segments.read(
            page_id,
            seq_from=seq_from,
            seq_to=seq_to,
            start=start,
            end=end,
            only_failures=only_failures,
            by_seq=by_seq,
        )
        if record.seq not in in_tail
    )
    if by_seq:
        tail.sort(key=lambda r: r.seq)
        yield from stored
        yield from tail
    else:
        yield from heapq.merge(stored, tail, key=when)


def newest_first(page) -> Iterator[Record]:
    """The records of `page`, newest first (by time), decoding segments only as far as read."""
    from likewatch.tracking import segments

    page_id = _page_id(page)
    tail = tail_records(page_id)
    in_tail = {r.seq for r in tail}
    stored = (
        r for r in segments.read(page_id, newest_first=True, by_seq=False) if r.seq not in in_tail
    )
    yield from heapq.merge(stored, reversed(tail), key=when, reverse=True)


def tail_records(
    page_id: int,
    *,
    seq_from: int | None = None,
    seq_to: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    only_failures: bool = False,
) -> list[Record]:
    """The records of the page's tail (rows not yet compacted) within the bounds, by time.

    With `only_failures`, its failures only: the spans' rows are not read at all. (A caller
    asking for failures, as a chart's gaps do, reads the tail's failures and then only the
    segments holding some; reading its spans would cost two queries for nothing.)"""
    from likewatch.tracking.models import FetchFailure, Observation

    seqs = {"seq_from": seq_from, "seq_to": seq_to}
    fails = FetchFailure.objects.filter(page_id=page_id)
    fails = _within(fails, "at", "at", start, end, **seqs)
    if only_failures:
        return sorted((failure_from_row(r) for r in fails), key=when)
    last_seq = _last_seq(page_id)
    obs = Observation.objects.filter(page_id=page_id)
    obs = _within(obs, "first_seen", "last_seen", start, end, **seqs)
    tail: list[Record] = [span_from_row(r, last_seq) for r in obs]
    tail += [failure_from_row(r) for r in fails]
    tail.sort(key=when)
    return tail


def _within(rows, first: str, last: str, start, end, seq_from=None, seq_to=None):
    """`rows` whose time, from their `first` to their `last` column, overlaps [start, end]
    and whose seq is in [seq_from, seq_to]: the bounds of `records` (None: unbounded)."""
    if seq_from is not None:
        rows = rows.filter(seq__gte=seq_from)
    if seq_to is not None:
        rows = rows.filter(seq__lte=seq_to)
    if start is not None:
        rows = rows.filter(**{f"{last}__gte": start})
    if end is not None:
        rows = rows.filter(**{f"{first}__lte": end})
    return rows


def newest(page, count: int = 1) -> list[Record]:
    """The `count` newest records of `page` (by time), oldest first."""
    if count <= 0:
        return []
    found = []
    for record in newest_first(page):
        found.append(record)
        if len(found) >= count:
            break
    found.reverse()
    return found


def extents(page_ids: Iterable[int]) -> dict[int, tuple[datetime, datetime]]:
    """(oldest moment, newest moment) of each page's history; pages without records left out.

    Three aggregate queries for any number of pages, whatever the length of their histories.
    """
    from django.db.models import Max, Min

    from likewatch.tracking.models import FetchFailure, Observation, Segment

    ids = list(dict.fromkeys(page_ids))
    found: dict[int, tuple[datetime, datetime]] = {}
    sources = (
        (Segment, "start", "end"),
        (Observation, "first_seen", "last_seen"),
        (FetchFailure, "at", "at"),
    )
    for model, first, last in sources:
        rows = (
            model.objects.filter(page_id__in=ids)
            .values("page_id")
            .annotate(low=Min(first), high=Max(last))
            .values_list("page_id", "low", "high")
        )
        for page_id, low, high in rows:
            old = found.get(page_id)
            found[page_id] = (min(low, old[0]), max(high, old[1])) if old else (low, high)
    return found


def spans(page, **bounds) -> Iterator[Span]:
    """The spans (observations) of `page`, oldest first; same bounds as `records`."""
    return (r for r in records(page, **bounds) if isinstance(r, Span))


def failures(page, **bounds) -> Iterator[Failure]:
    """The failed fetches of `page`, oldest first; same bounds as `records`. Only segments
    holding failures are decoded."""
    return (r for r in records(page, only_failures=True, **bounds) if isinstance(r, Failure))


def span_points(page, start: datetime, end: datetime) -> Iterator[tuple[float, float, int | None]]:
    """(first fetch, last fetch, value) of the spans overlapping [start, end], times in seconds
    since the epoch, oldest first: a chart's input, decoded column-wise (no record objects)."""
    from likewatch.tracking.models import Observation

    page_id = _page_id(page)
    # The tail first (see `records` on compaction meanwhile), read whole but kept in three
    # arrays of 8 bytes a span: it is small once compaction has run, but a history imported
    # or migrated and not compacted yet may hold a year of rows, which as Python tuples
    # would take hundreds of megabytes.
    tail = _TailSpans(
        Observation.objects.filter(page_id=page_id, last_seen__gte=start, first_seen__lte=end)
        .order_by("first_seen", "seq")
        .values_list("seq", "first_seen", "last_seen", "value")
        .iterator(chunk_size=2000)
    )
    runs = segment_span_points(page_id, start, end, below_seq=tail.oldest_seq)
    yield from interleave(runs, tail)


def interleave(
    runs: Iterable[list[Timed]], tail: Sequence[Timed], moment: Callable[[Any], Any] | None = None
) -> Iterator[Timed]:
    """A page's segments and its tail (rows not compacted yet) as one stream in time order.

    `runs`: what was read of each segment, a list per segment, in time order (segments never
    overlap in time); `tail`: what was read of the tail, in time order. Each item is a tuple
    whose first element is its moment in seconds (a span's first fetch, a chart's point), or
    anything `moment` gives the moment of (a record's `at`: `many`'s time order).
    The tail usually comes after every segment; a row older than a segment's last item (a
    backfill: an older count numbered after the records around it) goes among that segment's
    items, without merging the two streams item by item.

    At an equal moment the segments' items come first, then the tail's: the order `records`
    gives listings, exports, the API and the evidence's readers (it merges by `when`, moment
    then seq, and every segment read holds seqs below the tail's: see `below_seq`). So a count
    stored before one backfilled at the same moment stays before it, in every reader, even
    where one segment ends and the next begins at that moment.
    """
    moment = moment or _moment
    taken = 0
    for run in runs:
        if not run:
            continue
        # Strictly older than the run's last item: a tail row at that very moment goes after
        # it (and after any later segment's items at that moment).
        upto = bisect.bisect_left(tail, moment(run[-1]), lo=taken, key=moment)
        if upto > taken:
            # heapq.merge is stable: of equal moments, the run's (the first stream's) first.
            run = list(heapq.merge(run, tail[taken:upto], key=moment))
            taken = upto
        yield from run
    yield from islice(tail, taken, None)


_moment = itemgetter(0)
_at = attrgetter("at")  # a record's moment (a span's first fetch), for `interleave`


def segment_span_points(
    page, start: datetime, end: datetime, *, below_seq: int | None = None
) -> Iterator[list[tuple[float, float, int | None]]]:
    """The spans of `page`'s segments overlapping [start, end] as `span_points` gives them,
    one non-empty list per segment, in time order; only segments below `below_seq` (the
    oldest seq of the tail read before: see `records` on compaction meanwhile)."""
    from likewatch.tracking import segments_codec
    from likewatch.tracking.models import Segment

    segs = Segment.objects.filter(
        page_id=_page_id(page), spans__gt=0, end__gte=start, start__lte=end
    )
    if below_seq is not None:
        segs = segs.filter(last_seq__lt=below_seq)
    low, high = start.timestamp(), end.timestamp()
    ordered = segs.order_by("start", "first_seq").values_list("data", "start", "end")
    # Segments never overlap in time, so by start they come in time order (a backfill too).
    # Fetched at once, not through a server-side cursor (three round trips on PostgreSQL for
    # the day's three or four segments): a year of minute spans is about a megabyte of them.
    for data, first, last in ordered:
        points = segments_codec.span_points(data)
        # Only a segment reaching outside the range holds spans to leave out (usually the
        # first and the last): the others are handed on whole, without a test per span.
        if first < start or last > end:
            points = [p for p in points if p[1] >= low and p[0] <= high]
        if points:
            yield points


class _TailSpans(Sequence[tuple[float, float, int | None]]):
    """The tail's spans in time order as (first, last, value) with times in seconds, kept in
    arrays (a value is exact in a float: counts stay far below 2**53; NaN is a hidden one);
    each span becomes a tuple only when read."""

    def __init__(self, rows: Iterable[tuple[int, datetime, datetime, int | None]]) -> None:
        self.firsts, self.lasts, self.values = array("d"), array("d"), array("d")
        self.oldest_seq: int | None = None
        for seq, first, last, value in rows:
            self.firsts.append(first.timestamp())
            self.lasts.append(last.timestamp())
            self.values.append(math.nan if value is None else value)
            if self.oldest_seq is None or seq < self.oldest_seq:
                self.oldest_seq = seq

    def __len__(self) -> int:
        return len(self.firsts)

    @overload
    def __getitem__(self, index: int) -> tuple[float, float, int | None]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[float, float, int | None]]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        value = self.values[index]
        return self.firsts[index], self.lasts[index], None if math.isnan(value) else int(value)

    def __iter__(self) -> Iterator[tuple[float, float, int | None]]:
        for first, last, value in zip(self.firsts, self.lasts, self.values, strict=True):
            yield first, last, None if math.isnan(value) else int(value)


def known_before(page, at: datetime | None = None) -> Span | None:
    """The newest span of `page` with a known value first seen at or before `at` (default:
    any), or None."""
    return _newest_span(page, at, known=True)


def latest_span(page, at: datetime | None = None) -> Span | None:
    """The newest span of `page` first seen at or before `at` (default: any), its value known
    or hidden (None), or None."""
    return _newest_span(page, at, known=False)


def _newest_span(page, at: datetime | None, *, known: bool) -> Span | None:
    # The tail first, then segments from the newest back, only as far as needed (usually one).
    from likewatch.tracking import segments_codec
    from likewatch.tracking.models import Observation, Segment

    page_id = _page_id(page)
    rows = Observation.objects.filter(page_id=page_id)
    segs = Segment.objects.filter(page_id=page_id, spans__gt=0)
    if known:
        rows = rows.filter(value__isnull=False)
        segs = segs.filter(low__isnull=False)
    if at is not None:
        rows = rows.filter(first_seen__lte=at)
        segs = segs.filter(start__lte=at)
    row = rows.order_by("-first_seen", "-seq").first()
    found = span_from_row(row, _last_seq(page_id)) if row is not None else None
    if found is not None:
        # Usually the tail's newest row is newer than every segment; after a backfill the
        # tail may hold only old rows while a segment holds the page's recent spans.
        segs = segs.filter(end__gt=found.first_seen)
        if not segs.exists():  # the common case: one indexed look, nothing decoded
            return found
    rows = segs.order_by("-start", "-first_seq").values_list("data", flat=True)
    for data in rows.iterator(chunk_size=4):
        for record in reversed(segments_codec.decode(data)):
            if (
                isinstance(record, Span)
                and (record.value is not None or not known)
                and (at is None or record.first_seen <= at)
            ):
                if found is None or when(record) > when(found):
                    return record
                return found
    return found


def known_after(page, at: datetime) -> Span | None:
    """The oldest span of `page` with a known value first seen after `at`, or None."""
    for span in spans(page, start=at):
        if span.value is not None and span.first_seen > at:
            return span
    return None


def merged_spans(page_ids: Iterable[int], **bounds) -> Iterator[Span]:
    """The spans of several pages in one stream, ordered by first fetch (then page, seq)."""
    streams = [spans(page_id, **bounds) for page_id in page_ids]
    return heapq.merge(*streams, key=lambda s: (s.first_seen, s.page_id, s.seq))


class Listing:
    """A page's spans or failures in a time window, newest first, as a lazy sequence.

    Django's Paginator asks for its length and one slice: both are answered from the segments'
    counts, decoding only the segments that the slice (or a window's edge) falls in, so the
    hundredth page of a year of history costs a few segments, not the year. Segments never
    overlap in time (see the module's docstring), so the listing is the segments by their
    end, newest first, with the tail's rows placed among them by time.
    """

    def __init__(
        self, page, kind: type, start: datetime | None = None, end: datetime | None = None
    ) -> None:
        from likewatch.tracking.models import Segment

        self.page_id = _page_id(page)
        self.kind = kind
        self.start, self.end = start, end
        tail = tail_records(self.page_id, start=start, end=end)
        first_tail = min((r.seq for r in tail), default=None)
        column = "spans" if kind is Span else "failures"
        rows = Segment.objects.filter(page_id=self.page_id)
        if start is not None:
            rows = rows.filter(end__gte=start)
        if end is not None:
            rows = rows.filter(start__lte=end)
        if first_tail is not None:
            rows = rows.filter(last_seq__lt=first_tail)
        # Newest first, each either [first_seq, how many wanted records, whether that count is
        # exact] for a segment or [None, 1, True, record] for a row of the tail.
        entries: list[tuple[tuple, list]] = []
        self.bounds: dict[int, tuple[int, int]] = {}
        for first_seq, last_seq, seg_start, seg_end, count in rows.values_list(
            "first_seq", "last_seq", "start", "end", column
        ):
            inside = (start is None or seg_start >= start) and (end is None or seg_end <= end)
            self.bounds[first_seq] = (first_seq, last_seq)
            entries.append(((seg_end, first_seq), [first_seq, count, inside]))
        for record in tail:
            if isinstance(record, kind):
                entries.append((when(record), [None, 1, True, record]))
        entries.sort(key=lambda item: item[0], reverse=True)
        self.segments: list[list] = [entry for _key, entry in entries]
        self._decoded: dict[int, list[Record]] = {}

    def _records_of(self, first_seq: int) -> list[Record]:
        if first_seq not in self._decoded:
            from likewatch.tracking import segments

            low, high = self.bounds[first_seq]
            found = [
                r
                for r in segments.read(
                    self.page_id, seq_from=low, seq_to=high, start=self.start, end=self.end
                )
                if isinstance(r, self.kind)
            ]
            self._decoded[first_seq] = list(reversed(found))
        return self._decoded[first_seq]

    def _exact(self) -> None:
        for entry in self.segments:
            if not entry[2]:
                entry[1], entry[2] = len(self._records_of(entry[0])), True

    def __len__(self) -> int:
        self._exact()
        return sum(entry[1] for entry in self.segments)

    def count(self) -> int:
        return len(self)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        first, stop, _ = index.indices(len(self))
        out: list[Record] = []
        offset = 0
        for entry in self.segments:
            if len(out) >= stop - first or offset >= stop:
                break
            count = entry[1]
            if offset + count > first:
                items = [entry[3]] if entry[0] is None else self._records_of(entry[0])
                out += items[max(0, first - offset) : stop - offset]
            offset += count
        return out


# Pages per query: SQLite refuses an expression deeper than 1,000 terms.
PAGES_PER_QUERY = 300


def many(
    page_ids: Iterable[int],
    *,
    start: datetime | None = None,
    since_seq: dict[int, int] | None = None,
    until_seq: dict[int, int] | None = None,
    by_time: bool = False,
) -> dict[int, list[Record]]:
    """The records of several pages, each page's by seq (`by_time`: in time order, as
    `records` gives them), in a fixed number of queries per PAGES_PER_QUERY pages (the
    poller's round reads all its pages' recent history at once): those overlapping
    [start, now), and for the pages in `since_seq` (`until_seq`) those from (up to) that seq."""
    ids = list(dict.fromkeys(page_ids))
    found: dict[int, list[Record]] = {}
    for first in range(0, len(ids), PAGES_PER_QUERY):
        found.update(
            _many(
                ids[first : first + PAGES_PER_QUERY],
                start=start,
                since_seq=since_seq,
                until_seq=until_seq,
                by_time=by_time,
            )
        )
    return found


def _many(
    page_ids: Iterable[int],
    *,
    start: datetime | None = None,
    since_seq: dict[int, int] | None = None,
    until_seq: dict[int, int] | None = None,
    by_time: bool = False,
) -> dict[int, list[Record]]:
    """The records of several pages, each page's by seq (or by time), in a fixed number of
    queries (the poller's round reads all its pages' recent history at once): those
    overlapping [start, now), and for the pages in `since_seq` (`until_seq`) those from (up
    to) that seq."""
    from django.db.models import Q

    from likewatch.tracking import segments_codec
    from likewatch.tracking.models import FetchFailure, Observation, Page, Segment

    ids = list(page_ids)
    found: dict[int, list[Record]] = {pk: [] for pk in ids}
    if not ids:
        return found
    since_seq = since_seq or {}
    until_seq = until_seq or {}
    last = dict(Page.objects.filter(pk__in=ids).values_list("pk", "last_seq"))
    rows_wanted, segs_wanted = Q(), Q()
    for pk in ids:
        rows, segs = Q(page_id=pk), Q(page_id=pk)
        if since_seq.get(pk):
            rows &= Q(seq__gte=since_seq[pk])
            segs &= Q(last_seq__gte=since_seq[pk])
        if until_seq.get(pk) is not None:
            rows &= Q(seq__lte=until_seq[pk])
            segs &= Q(first_seq__lte=until_seq[pk])
        rows_wanted |= rows
        segs_wanted |= segs
    obs = Observation.objects.filter(rows_wanted)
    fails = FetchFailure.objects.filter(rows_wanted)
    segs = Segment.objects.filter(segs_wanted)
    if start is not None:
        obs, fails = obs.filter(last_seen__gte=start), fails.filter(at__gte=start)
        segs = segs.filter(end__gte=start)
    tail: dict[int, list[Record]] = {pk: [] for pk in ids}
    for row in obs:
        tail[row.page_id].append(span_from_row(row, last.get(row.page_id)))
    for row in fails:
        tail[row.page_id].append(failure_from_row(row))
    # Each segment's records, a run per segment: by time, segments come by their start (they
    # never overlap in time; see the module's docstring), and each holds its records in order.
    runs: dict[int, list[list[Record]]] = {pk: [] for pk in ids}
    order = ("page_id", "start", "first_seq") if by_time else ("page_id", "first_seq")
    for page_id, data in segs.order_by(*order).values_list("page_id", "data"):
        first_seq = since_seq.get(page_id, 0)
        last_seq = until_seq.get(page_id)
        runs[page_id].append(
            [
                record
                for record in segments_codec.decode(data)
                if (start is None or record.end >= start)
                and record.seq >= first_seq
                and (last_seq is None or record.seq <= last_seq)
            ]
        )
    for page_id, rows in tail.items():
        rows.sort(key=when if by_time else (lambda r: r.seq))
        # A compaction committed between the two reads: keep one copy of each record.
        first_tail = min((r.seq for r in rows), default=None)
        kept = runs[page_id]
        if first_tail is not None:
            kept = [[r for r in run if r.seq < first_tail] for run in kept]
        if by_time:
            found[page_id] = list(interleave(kept, rows, _at))
        else:
            found[page_id] = [r for run in kept for r in run] + rows
    return found


def known_around(page_ids: Iterable[int], moments: dict[str, datetime]) -> dict[int, dict]:
    """For each page and named moment: the span with a known value in force at it (`at_NAME`,
    as `known_before`) and, when there is none, the first one after it (`after_NAME`, as
    `known_after`). A fixed number of queries for any number of pages (a board's totals):
    the tail's rows answer most; a segment is decoded only where they do not."""
    from django.db.models import OuterRef, Subquery

    from likewatch.tracking import segments_codec
    from likewatch.tracking.models import Observation, Page, Segment

    ids = list(dict.fromkeys(page_ids))
    found: dict[int, dict] = {pk: {} for pk in ids}
    if not ids or not moments:
        return found
    last = dict(Page.objects.filter(pk__in=ids).values_list("pk", "last_seq"))
    known = Observation.objects.filter(page=OuterRef("pk"), value__isnull=False)
    segs = Segment.objects.filter(page=OuterRef("pk"), low__isnull=False)
    columns = {}
    for name, moment in moments.items():
        # By time, not seq: a backfill numbers old counts after new ones.
        before = known.filter(first_seen__lte=moment).order_by("-first_seen", "-seq")
        after = known.filter(first_seen__gt=moment).order_by("first_seen", "seq")
        seg_before = segs.filter(start__lte=moment).order_by("-start", "-first_seq")
        seg_after = segs.filter(end__gt=moment).order_by("start", "first_seq")
        before, after = before.values("pk")[:1], after.values("pk")[:1]
        seg_before, seg_after = seg_before.values("pk")[:1], seg_after.values("pk")[:1]
        columns[f"at_{name}"] = Subquery(before)
        columns[f"after_{name}"] = Subquery(after)
        columns[f"seg_at_{name}"] = Subquery(seg_before)
        columns[f"seg_after_{name}"] = Subquery(seg_after)
    rows = list(Page.objects.filter(pk__in=ids).annotate(**columns).values("pk", *columns))
    row_ids = {r[c] for r in rows for c in columns if not c.startswith("seg_") and r[c]}
    seg_ids = {r[c] for r in rows for c in columns if c.startswith("seg_") and r[c]}
    spans = {o.pk: o for o in Observation.objects.filter(pk__in=row_ids)}
    decoded = {
        pk: segments_codec.decode(data)
        for pk, data in Segment.objects.filter(pk__in=seg_ids).values_list("pk", "data")
    }
    for row in rows:
        page_id = row["pk"]
        for name, moment in moments.items():
            at = spans.get(row[f"at_{name}"])
            in_segment = [
                r
                for r in reversed(decoded.get(row[f"seg_at_{name}"], []))
                if isinstance(r, Span) and r.value is not None and r.first_seen <= moment
            ]
            candidates = [span_from_row(at, last.get(page_id))] if at is not None else []
            candidates += in_segment[:1]
            if candidates:
                # The later of the tail's and the segments' (they differ after a backfill).
                found[page_id][f"at_{name}"] = max(candidates, key=when)
                found[page_id][f"after_{name}"] = None
                continue
            # Nothing known at the moment in the newest segment starting before it: the
            # rare page whose values were all hidden there is read the long way.
            if row[f"seg_at_{name}"] is not None:
                found[page_id][f"at_{name}"] = known_before(page_id, moment)
                if found[page_id][f"at_{name}"] is not None:
                    found[page_id][f"after_{name}"] = None
                    continue
            found[page_id][f"at_{name}"] = None
            later = [
                r
                for r in decoded.get(row[f"seg_after_{name}"], [])
                if isinstance(r, Span) and r.value is not None and r.first_seen > moment
            ][:1]
            after = spans.get(row[f"after_{name}"])
            if after is not None:
                later.append(span_from_row(after, last.get(page_id)))
            found[page_id][f"after_{name}"] = min(later, key=when) if later else None
    return found


def failures_many(
    page_ids: Iterable[int], start: datetime | None = None, end: datetime | None = None
) -> list[Failure]:
    """The failed fetches of several pages in [start, end], by page then time, in one query
    (the tail's failure rows and the segments holding failures, as one UNION ALL: a chart's
    gaps and the board's markers cost one round trip); only those segments are decoded."""
    from django.db.models import BinaryField, CharField, DateTimeField, IntegerField, Value

    from likewatch.tracking import segments_codec
    from likewatch.tracking.models import FetchFailure, Segment

    ids = list(dict.fromkeys(page_ids))
    if not ids:
        return []
    rows = _within(FetchFailure.objects.filter(page_id__in=ids), "at", "at", start, end)
    segs = Segment.objects.filter(page_id__in=ids, failures__gt=0)
    segs = _within(segs, "start", "end", start, end)
    # A row is a failure row (no data) or a segment (its data, the rest left empty); the
    # columns line up with the failure's fields, so each side keeps its types.
    # (No ORDER BY inside a compound statement: the models' default ordering is cleared.)
    rows = (
        rows.order_by()
        .annotate(packed=Value(None, output_field=BinaryField()))
        .values_list(*FAILURE_FIELDS, "packed")
    )
    segs = (
        segs.order_by()
        .annotate(
            no_kind=Value(None, output_field=CharField()),
            no_message=Value(None, output_field=CharField()),
            no_duration=Value(None, output_field=IntegerField()),
            no_retry=Value(None, output_field=DateTimeField()),
        )
        .values_list(
            "page_id",
            "first_seq",
            "start",
            "no_kind",
            "no_message",
            "no_duration",
            "no_retry",
            "data",
        )
    )
    found: dict[tuple[int, int], Failure] = {}
    packed = []
    for *fields, data in rows.union(segs, all=True):
        if data is None:
            failure = Failure(*fields)
            found[(failure.page_id, failure.seq)] = failure
        else:
            packed.append(data)
    # One statement reads one snapshot, so a compaction committing meanwhile cannot show a
    # record both as a row and in a segment; were it to, the row's copy would be kept.
    for data in packed:
        for record in segments_codec.decode(data):
            if (
                isinstance(record, Failure)
                and (start is None or record.at >= start)
                and (end is None or record.at <= end)
            ):
                found.setdefault((record.page_id, record.seq), record)
    return sorted(found.values(), key=lambda r: (r.page_id, r.at, r.seq))
