"""records.interleave: a page's segments and its tail read as one stream in time order.

The segments come in time order (they never overlap), and so does the tail; a tail row older
than a segment's last item (a backfill) goes among that segment's items. At an equal moment
the segments' items come first, then the tail's: the order `records.records` gives every
listing, export and API answer (by moment, then seq; the tail's seqs are the newest).
"""

import heapq
from datetime import UTC, datetime, timedelta
from itertools import chain
from operator import itemgetter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likewatch.tracking.records import _TailSpans, interleave


def test_the_tail_usually_follows_every_segment():
    runs = [[(1.0, "a"), (2.0, "b")], [(3.0, "c")]]
    assert list(interleave(runs, [(4.0, "t")])) == [
        (1.0, "a"),
        (2.0, "b"),
        (3.0, "c"),
        (4.0, "t"),
    ]


def test_a_backfilled_row_goes_among_the_segment_it_is_older_than():
    runs = [[(10.0, "a"), (20.0, "b")], [(30.0, "c"), (40.0, "d")]]
    tail = [(5.0, "old"), (35.0, "mid"), (50.0, "new")]
    assert [name for _, name in interleave(runs, tail)] == ["old", "a", "b", "c", "mid", "d", "new"]


def test_at_an_equal_moment_the_stored_record_comes_before_the_backfilled_one():
    # The first segment ends at 20 s and the next begins there (a backfilled run whose last
    # count was at the moment of the first stored one); a tail row at 20 s too. The tail's
    # row has the newest seq: it goes after both stored records of that moment, not between
    # the segments.
    runs = [[(10.0, "a"), (20.0, "b")], [(20.0, "c"), (30.0, "d")]]
    tail = [(20.0, "tail")]
    assert [name for _, name in interleave(runs, tail)] == ["a", "b", "c", "tail", "d"]
    # Inside a segment too: the stored record of that moment first.
    assert [n for _, n in interleave([[(1.0, "a"), (2.0, "b"), (3.0, "c")]], [(2.0, "t")])] == [
        "a",
        "b",
        "t",
        "c",
    ]


# Moments drawn from few values, so that ties are common.
moments = st.integers(0, 12).map(float)


@st.composite
def segments_and_tail(draw):
    """Runs in time order, each sorted, the next beginning at or after the previous one's end
    (segments never overlap, but may touch); a tail sorted by time. Each item names its
    stream and place, so the test sees which of two equal moments came first."""
    cuts = sorted(draw(st.lists(moments, max_size=24)))
    sizes = draw(st.lists(st.integers(1, 5), max_size=8))
    runs, at = [], 0
    for number, size in enumerate(sizes):
        run = [(m, f"s{number}.{i}") for i, m in enumerate(cuts[at : at + size])]
        at += size
        if run:
            runs.append(run)
    tail = [(m, f"t{i}") for i, m in enumerate(sorted(draw(st.lists(moments, max_size=12))))]
    return runs, tail


# No deadline: a busy two-core machine may pause any example.
@settings(deadline=None)
@given(segments_and_tail())
def test_interleaving_is_the_merge_records_does_of_the_stored_stream_and_the_tail(drawn):
    runs, tail = drawn
    merged = list(heapq.merge(chain.from_iterable(runs), tail, key=itemgetter(0)))
    assert list(interleave(runs, tail)) == merged


# No deadline: a busy two-core machine may pause any example.
@settings(deadline=None)
@given(segments_and_tail())
def test_a_spans_tail_kept_in_arrays_interleaves_as_a_list_does(drawn):
    # The two callers: `records.span_points` hands a tail of spans kept in arrays
    # (`_TailSpans`), `analytics.series` a list of chart points. Same rule, same order.
    runs, tail = drawn
    as_spans = [[(m, m + 0.5, i) for i, (m, _) in enumerate(run)] for run in runs]
    values = [None if i % 3 == 0 else i for i in range(len(tail))]
    spans = [(m, m + 0.25, v) for (m, _), v in zip(tail, values, strict=True)]
    rows = [
        (100 + i, *(_when(m) for m in (first, last)), v) for i, (first, last, v) in enumerate(spans)
    ]
    arrays = _TailSpans(rows)
    assert list(arrays) == spans
    assert list(interleave(as_spans, arrays)) == list(interleave(as_spans, spans))
    assert arrays.oldest_seq == (100 if spans else None)


def _when(seconds: float):
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.mark.django_db
def test_the_failures_of_several_pages_take_one_query_wherever_they_are_stored():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from likewatch.sources.base import Count
    from likewatch.sources.errors import Transient
    from likewatch.tracking import history, records, segments
    from likewatch.tracking.models import FetchFailure, Page, Segment

    start = datetime(2026, 5, 1, tzinfo=UTC)
    pages = [
        Page.objects.create(platform="facebook", platform_id=str(n), metric="likes")
        for n in range(2)
    ]
    for page in pages:
        for hour in range(6):
            at = start + timedelta(hours=hour)
            if hour % 2:
                history.record_failure(page, Transient(f"timed out {hour}"), at)
            else:
                history.record_count(page, Count(100 + hour), at)
    segments.compact([p.pk for p in pages], keep=2)  # hours 0-3 packed, 4-5 in the tail
    assert Segment.objects.filter(failures__gt=0).count() == 2
    assert FetchFailure.objects.count() == 2  # each page's 5th hour

    with CaptureQueriesContext(connection) as queries:
        found = records.failures_many([p.pk for p in pages], start + timedelta(hours=2))
    assert len(queries) == 1
    assert [(f.page_id, f.at, f.message, f.kind) for f in found] == [
        (page.pk, start + timedelta(hours=hour), f"timed out {hour}", "transient")
        for page in pages
        for hour in (3, 5)
    ]
    # The same failures as the record stream gives them, field for field.
    for page in pages:
        mine = [f for f in found if f.page_id == page.pk]
        assert mine == list(records.failures(page, start=start + timedelta(hours=2)))
