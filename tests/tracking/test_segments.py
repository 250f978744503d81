"""Compaction moves sealed history into segments: nothing lost, nothing twice, readers unchanged."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from likewatch.evidence.records import page_entries
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking import history, records, segments
from likewatch.tracking.models import FetchFailure, Observation, Page, Segment

T0 = datetime(2026, 2, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_segments(monkeypatch):
    # Many segments from a short history: the same code paths, a quicker test.
    monkeypatch.setattr(segments, "SEGMENT_RECORDS", 64)


@pytest.fixture
def page():
    return Page.objects.create(platform="facebook", platform_id="1", metric="followers")


def fill(page, minutes: int, *, start: int = 0) -> None:
    """A count changing at most fetches, a hidden count and a few failed fetches: one minute
    per fetch, written through the write path in one batch (applied in the order given)."""
    entries = []
    for m in range(start, start + minutes):
        at = T0 + timedelta(minutes=m)
        if m % 97 == 50:
            entries.append(history.Entry(page, Transient(f"timed out #{m}"), at, duration_ms=m))
        elif m % 131 == 7:
            entries.append(history.Entry(page, Count(None), at))
        else:
            value = Count(1_000_000 + m // 2 * 7)
            entries.append(history.Entry(page, value, at, source_url="https://x/"))
    history.record_batch(entries)


def everything(page) -> list:
    return [r.form() for r in records.records(page)]


def test_compaction_keeps_every_record_and_only_the_newest_in_the_tail(page):
    fill(page, 600)
    before = everything(page)
    hashes = [(e.prev_hash, e.hash) for e in page_entries(page)]
    moved = segments.compact(keep=0)
    page.refresh_from_db()
    assert moved == page.last_seq - 1
    assert page.segmented_seq == page.last_seq - 1
    assert Observation.objects.count() + FetchFailure.objects.count() == 1
    assert Segment.objects.count() >= (page.last_seq - 1) // segments.SEGMENT_RECORDS
    assert everything(page) == before
    # The chain the exports and the verifier see is the same, hash for hash.
    assert [(e.prev_hash, e.hash) for e in page_entries(page)] == hashes


def test_compacting_again_moves_nothing(page):
    fill(page, 300)
    segments.compact(keep=0)
    rows = list(Segment.objects.values_list("first_seq", "last_seq", "data"))
    assert segments.compact(keep=0) == 0
    assert list(Segment.objects.values_list("first_seq", "last_seq", "data")) == rows


def test_the_write_path_goes_on_after_compaction_and_the_next_compaction_grows_the_segment(page):
    fill(page, 40)
    segments.compact(keep=0)
    fill(page, 40, start=40)
    segments.compact(keep=0)
    page.refresh_from_db()
    # Two compactions of some 20 records each: one segment, not two small ones.
    assert Segment.objects.count() == 1
    seqs = [r.seq for r in records.records(page)]
    assert seqs == list(range(1, page.last_seq + 1))


def test_the_poller_leaves_a_short_tail_alone(page):
    minutes = 0
    while page.last_seq <= segments.TAIL_RECORDS + 1:
        assert segments.compact([page.pk]) == 0
        fill(page, 1, start=minutes)
        minutes += 1
        page.refresh_from_db()
    assert segments.compact([page.pk]) == segments.TAIL_RECORDS + 1


def test_a_crash_in_the_middle_of_compaction_leaves_the_rows(page):
    fill(page, 200)
    before = everything(page)
    with (
        mock.patch.object(segments, "_write", side_effect=[None, RuntimeError("killed")]),
        pytest.raises(RuntimeError),
    ):
        # The first segment "written", the second one fails: the transaction rolls back.
        segments.compact(keep=0)
    page.refresh_from_db()
    assert page.segmented_seq == 0
    assert not Segment.objects.exists()
    assert everything(page) == before


@pytest.mark.parametrize("cut", [1, 150, 299, 300])
def test_reads_across_the_segment_and_tail_boundary(page, cut):
    fill(page, 300)
    whole = list(records.records(page))
    # Compact only up to `cut` (as a page whose newest record was `cut + 1`).
    Page.objects.filter(pk=page.pk).update(last_seq=cut + 1)
    segments.compact(keep=0)
    Page.objects.filter(pk=page.pk).update(last_seq=whole[-1].seq)
    assert [r.form() for r in records.records(page)] == [r.form() for r in whole]
    middle = whole[len(whole) // 3].at
    late = whole[2 * len(whole) // 3].at
    expected = [r.form() for r in whole if r.end >= middle and r.at <= late]
    assert [r.form() for r in records.records(page, start=middle, end=late)] == expected
    assert [r.seq for r in records.newest(page, 10)] == [r.seq for r in whole[-10:]]
    assert [f.form() for f in records.failures(page)] == [
        r.form() for r in whole if isinstance(r, records.Failure)
    ]
    known = [r for r in whole if isinstance(r, records.Span) and r.value is not None]
    assert records.known_before(page, middle) == max(
        (r for r in known if r.first_seen <= middle), key=lambda r: r.seq
    )
    assert records.known_after(page, middle) == min(
        (r for r in known if r.first_seen > middle), key=lambda r: r.seq
    )
    moments = {"before": T0 - timedelta(days=1), "middle": middle, "late": late}
    around = records.known_around([page.pk], moments)[page.pk]
    for name, moment in moments.items():
        assert around[f"at_{name}"] == records.known_before(page, moment)
        if around[f"at_{name}"] is None:
            assert around[f"after_{name}"] == records.known_after(page, moment)


def test_a_listing_pages_through_segments_and_tail_newest_first(page):
    fill(page, 700)
    whole = [r for r in records.records(page) if isinstance(r, records.Span)]
    segments.compact(keep=0)
    listing = records.Listing(page, records.Span)
    assert len(listing) == len(whole)
    newest_first = list(reversed(whole))
    assert [r.seq for r in listing[0:25]] == [r.seq for r in newest_first[0:25]]
    assert [r.seq for r in listing[500:525]] == [r.seq for r in newest_first[500:525]]
    window = records.Listing(
        page, records.Span, T0 + timedelta(minutes=100), T0 + timedelta(minutes=200)
    )
    assert [r.seq for r in window[0 : len(window)]] == [
        r.seq
        for r in newest_first
        if r.last_seen >= T0 + timedelta(minutes=100)
        and r.first_seen <= T0 + timedelta(minutes=200)
    ]


def test_expanding_gives_back_the_rows_with_their_hashes(page):
    fill(page, 200)
    rows = list(
        Observation.objects.order_by("seq").values_list("seq", "value", "prev_hash", "hash")
    )
    segments.compact(keep=0)
    segments.expand()
    assert not Segment.objects.exists()
    assert (
        list(Observation.objects.order_by("seq").values_list("seq", "value", "prev_hash", "hash"))
        == rows
    )


@pytest.mark.django_db(transaction=True)
def test_the_write_path_compacts_as_it_goes(page):
    # The compaction follows every committed round (a consumer of the write path).
    for m in range(3 * segments.TAIL_RECORDS):
        history.record_batch([history.Entry(page, Count(m), T0 + timedelta(minutes=m))])
    page.refresh_from_db()
    assert Segment.objects.filter(page=page).exists()
    assert page.last_seq - page.segmented_seq <= segments.TAIL_RECORDS + 1
    assert [r.value for r in records.spans(page)] == list(range(3 * segments.TAIL_RECORDS))
