"""Backfilling: counts older than a page's first record join its history at the chain's end.

The chain only grows at its end and a record's leaf never moves, so a backfilled count takes
the next seq; every reader still sees the page's history in time order, the page's current
state stays what it was, and the evidence (chain, log, audit) stays checkable.
"""

from datetime import UTC, datetime, timedelta

import pytest

from likewatch.evidence import consumer as log_consumer
from likewatch.evidence.leaves import OPEN, SPAN
from likewatch.evidence.log import leaf_index
from likewatch.evidence.verify import verify_database
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking import history, records, segments
from likewatch.tracking.history import Entry
from likewatch.tracking.models import Health, Page, Provenance, Segment
from likewatch.tracking.records import Listing, Span

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def page():
    """A page fetched for three hours: 1000, 990, a failed fetch, then 980 (open)."""
    page = Page.objects.create(platform="facebook", platform_id="1", metric="followers")
    history.record_count(page, Count(1000), at(0))
    history.record_count(page, Count(1000), at(0.5))
    history.record_count(page, Count(990), at(1))
    history.record_failure(page, Transient("timed out"), at(2))
    history.record_count(page, Count(980), at(3))
    page.refresh_from_db()
    return page


def backfill(page, *values_at: tuple[int, datetime]) -> list:
    entries = [
        Entry(page, Count(value), moment, provenance=Provenance.IMPORTED)
        for value, moment in values_at
    ]
    return history.record_backfill(entries)


def timeline(page) -> list[tuple]:
    return [(r.at, r.value if isinstance(r, Span) else "failure") for r in records.records(page)]


def test_backfilled_counts_take_the_next_seqs_and_read_in_time_order(page):
    written = backfill(page, (1200, at(-48)), (1200, at(-47)), (1100, at(-24)))
    page.refresh_from_db()
    # Two spans (two equal counts make one span seen twice), numbered after the history.
    assert [r.seq for r in written] == [5, 5, 6]
    assert page.last_seq == 6
    assert timeline(page) == [
        (at(-48), 1200),
        (at(-24), 1100),
        (at(0), 1000),
        (at(1), 990),
        (at(2), "failure"),
        (at(3), 980),
    ]
    first = next(records.records(page))
    assert (first.provenance, first.fetches, first.last_seen) == ("imported", 2, at(-47))


def test_the_page_is_still_what_it_was(page):
    before = (page.health, page.last_success_at, page.failures_in_row)
    backfill(page, (1200, at(-48)))
    page.refresh_from_db()
    assert (page.health, page.last_success_at, page.failures_in_row) == before
    assert page.health == Health.OK
    assert records.latest_span(page).value == 980
    assert records.known_before(page, at(-1)).value == 1200
    assert records.known_after(page, at(-100)).value == 1200
    assert [r.value for r in records.newest(page, 2) if isinstance(r, Span)] == [980]
    moments = {"start": at(-30), "now": at(5)}
    around = records.known_around([page.pk], moments)[page.pk]
    assert (around["at_start"].value, around["at_now"].value) == (1200, 980)
    assert records.extents([page.pk]) == {page.pk: (at(-48), at(3))}


def test_the_next_fetch_never_stretches_a_backfilled_span(page):
    backfill(page, (980, at(-48)))
    history.record_count(page, Count(980), at(4))
    spans = [(s.value, s.first_seen, s.last_seen) for s in records.spans(page)]
    assert spans[0] == (980, at(-48), at(-48))
    assert spans[-1] == (980, at(4), at(4))
    # The fetch after it extends its own span as usual.
    history.record_count(page, Count(980), at(5))
    assert records.latest_span(page).last_seen == at(5)


def test_every_backfilled_record_is_a_new_leaf_and_the_evidence_checks_out(page):
    log_consumer.catch_up()
    backfill(page, (1200, at(-48)), (1100, at(-24)))
    history.record_count(page, Count(975), at(4))
    log_consumer.catch_up()
    index = leaf_index({page.pk}, 10_000)
    # The span open before the backfill was sealed by it; each backfilled span has both
    # leaves, the last one's final leaf written when the next fetch sealed it.
    for seq in (4, 5, 6):
        assert (page.pk, seq, SPAN) in index
    for seq in (5, 6, 7):
        assert (page.pk, seq, OPEN) in index
    assert index[(page.pk, 5, OPEN)] > index[(page.pk, 4, SPAN)]
    report = verify_database()
    assert report.ok, [str(p) for p in report.problems]


def test_segments_never_mix_a_backfilled_run_with_the_records_around_it(page, monkeypatch):
    monkeypatch.setattr(segments, "SEGMENT_RECORDS", 8)
    backfill(page, *[(2000 - n, at(-100 + n)) for n in range(12)])
    for n in range(12):
        history.record_count(page, Count(970 - n), at(4 + n))
    segments.compact(keep=0)
    spans = list(Segment.objects.filter(page=page).order_by("start").values_list("start", "end"))
    assert len(spans) >= 4
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end < start  # no two segments overlap in time
    moments = [r.at for r in records.records(page)]
    page.refresh_from_db()
    assert moments == sorted(moments)
    assert len(moments) == page.last_seq  # nothing lost, nothing twice


def test_listing_and_chart_points_follow_time_too(page, monkeypatch):
    monkeypatch.setattr(segments, "SEGMENT_RECORDS", 4)
    backfill(page, *[(2000 - n, at(-100 + n)) for n in range(6)])
    segments.compact(keep=0)  # the backfilled run in segments, its last span in the tail
    listed = Listing(page, Span)[0 : len(Listing(page, Span))]
    assert [s.first_seen for s in listed] == sorted((s.first_seen for s in listed), reverse=True)
    assert listed[0].value == 980 and listed[-1].value == 2000
    points = list(records.span_points(page, at(-200), at(10)))
    assert [p[0] for p in points] == sorted(p[0] for p in points)
    assert points[-1][2] == 980
    from likewatch.web.charts import page_points

    board = page_points(page)  # the board's charts read the same history
    assert [t for t, _value in board] == sorted(t for t, _value in board)
    assert board[0][1] == 2000 and board[-1][1] == 980


def test_records_in_chain_order_are_still_there_for_the_evidence(page):
    backfill(page, (1200, at(-48)))
    assert [r.seq for r in records.records(page, by_seq=True)] == [1, 2, 3, 4, 5]


def test_an_evidence_bundle_with_a_backfill_checks_out_offline(page, tmp_path, settings):
    from likewatch.evidence import bundle, checkpoints, digests, keys
    from likewatch.evidence.verify import verify_bundle

    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "signing-key.pem"
    keys.ensure_key()
    backfill(page, (1200, at(-48)), (1100, at(-24)))
    history.record_count(page, Count(975), at(4))
    log_consumer.catch_up()
    checkpoints.make(ask_witnesses=False)
    digests.make(now=at(5))
    bundle.export(tmp_path / "bundle")
    report = verify_bundle(tmp_path / "bundle")
    assert report.ok, [str(p) for p in report.problems]


def test_chart_points_merge_a_long_uncompacted_tail_with_backfilled_segments(page, monkeypatch):
    """A history imported or migrated and not compacted yet: a long tail, read as a stream
    of arrays, still merges in time order with the segments a backfill left before it."""
    monkeypatch.setattr(segments, "SEGMENT_RECORDS", 4)
    backfill(page, *[(2000 - n, at(-100 + n)) for n in range(6)])
    segments.compact(keep=0)
    for n in range(300):  # the tail, left uncompacted
        history.record_count(page, Count(900 - n), at(4 + n / 60))
    backfill(page, (1500, at(-50)))  # one more, in the tail but older than the segments' end

    points = list(records.span_points(page, at(-200), at(20)))

    spans = [s for s in records.records(page) if isinstance(s, Span)]
    assert [(p[0], p[2]) for p in points] == [(s.first_seen.timestamp(), s.value) for s in spans]
    assert all(isinstance(p[2], int) for p in points)


def test_many_pages_read_in_time_order_as_one_page_s_records_are(page, monkeypatch):
    """Detection reads a round's pages together (`records.many`), a backfill in its place."""
    monkeypatch.setattr(segments, "SEGMENT_RECORDS", 4)
    backfill(page, *[(2000 - n, at(-100 + n)) for n in range(6)])
    segments.compact(keep=0)
    for n in range(5):
        history.record_count(page, Count(970 - n), at(4 + n))
    backfill(page, (1500, at(-50)))  # in the tail, older than the segments' end
    one = [(r.seq, r.at) for r in records.records(page)]

    def read(**bounds):
        return [(r.seq, r.at) for r in records.many([page.pk], by_time=True, **bounds)[page.pk]]

    assert read() == one
    assert read(since_seq={page.pk: 8}) == [(seq, moment) for seq, moment in one if seq >= 8]
    # By seq, as the chain numbers them (the default).
    assert [r.seq for r in records.many([page.pk])[page.pk]] == sorted(seq for seq, _ in one)
