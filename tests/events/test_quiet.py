"""Quiet is not stale: a page that truly does not change, or a count that stopped."""

import random
from datetime import timedelta

import pytest

from likewatch.events import detect, quiet
from likewatch.events.models import Event
from likewatch.events.quiet import judge
from likewatch.events.scan import scan_page
from likewatch.sources.base import Count
from likewatch.tracking import records, segments
from likewatch.tracking.history import Entry, record_backfill, record_batch
from likewatch.tracking.models import Page, Provenance

from .conftest import T0

RARE = detect.STALE_PROBABILITY / 10  # the page's own history calls the run unlikely
VERY_RARE = detect.STALE_PROBABILITY * quiet.PAGE_CACHE_ODDS / 10


def test_when_the_platforms_other_pages_stopped_too_the_count_is_stale():
    verdict = judge(RARE, peers=10, moved=0)
    assert verdict.stale and verdict.reason == quiet.PLATFORM


def test_when_the_platforms_other_pages_kept_moving_a_merely_unlikely_run_is_quiet():
    # The platform answered with live counts: a cache stuck on this page alone is rare.
    assert judge(RARE, peers=10, moved=8) == quiet.Verdict(False, quiet.QUIET, 10, 8)
    longer = judge(VERY_RARE, peers=10, moved=8)
    assert longer.stale and longer.reason == quiet.PAGE


def test_with_too_few_other_pages_the_pages_own_history_decides():
    assert judge(RARE, peers=1, moved=1).reason == quiet.OWN
    assert not judge(0.5, peers=0, moved=0).stale


def _stale(page, hours=6):
    """The detector's proposal of the page's first span, `hours` flat from T0, as stale."""
    return detect.Finding(
        kind=detect.STALE,
        start=T0.timestamp(),
        end=(T0 + timedelta(hours=hours)).timestamp(),
        size=hours * 12,
        expected=5.0,
        seen=0.0,
        confidence=1.0,
        detected_at=(T0 + timedelta(hours=hours)).timestamp(),
        seq_from=1,
        seq_to=1,
        details={"likelihood": RARE},
    )


@pytest.mark.django_db
def test_a_flat_run_while_the_platforms_pages_move_is_left_out_as_quiet(page, measure):
    peers = [
        Page.objects.create(
            platform="facebook", platform_id=str(500 + n), metric="likes", interval=1800
        )
        for n in range(3)
    ]
    for peer in peers:
        measure(peer, [7] * 14)  # a change every fetch through the window
    measure(page, [0] * 14)
    page.refresh_from_db()

    finding = _stale(page)
    kept, left_out = quiet.review(page, [finding])
    assert kept == [] and left_out == {finding.key}


@pytest.mark.django_db
def test_a_flat_run_shared_by_the_platforms_pages_is_stale_and_says_why(page, measure):
    peers = [
        Page.objects.create(
            platform="facebook", platform_id=str(500 + n), metric="likes", interval=1800
        )
        for n in range(3)
    ]
    for peer in peers:
        measure(peer, [0] * 14)  # stopped as well
    measure(page, [0] * 14)

    finding = _stale(page)
    kept, left_out = quiet.review(page, [finding])
    assert kept == [finding] and not left_out
    assert finding.details["quiet_rule"] == quiet.PLATFORM
    assert (finding.details["peers"], finding.details["peers_moved"]) == (3, 0)


def test_the_answers_own_dates_decide_before_the_pages_history_and_its_peers():
    assert judge(0.5, peers=10, moved=9, answer=True).reason == quiet.STOPPED
    assert judge(VERY_RARE, peers=0, moved=0, answer=False) == quiet.Verdict(False, quiet.FRESH)
    # Every page of the platform stopped: its counts stopped, however fresh the answers.
    assert judge(RARE, peers=10, moved=0, answer=False).reason == quiet.PLATFORM
    # Answers without a date, or one in between: the other rules decide.
    assert judge(RARE, peers=1, moved=1, answer=None).reason == quiet.OWN


def test_an_answer_dated_before_the_run_began_is_stale_one_dated_now_is_fresh():
    start, end = 1_000_000.0, 1_000_000.0 + 6 * 3600
    assert quiet.by_answer(start - 600, start, end) is True
    assert quiet.by_answer(end - 30, start, end) is False
    assert quiet.by_answer(start + 3600, start, end) is None  # a cache refilled once since
    assert quiet.by_answer(None, start, end) is None


def _fetch_flat(page, produced, fetches=14):
    """`fetches` fetches of the same count every interval from T0, each answer dated by
    `produced(at)` as the poller records it."""
    for n in range(fetches):
        at = T0 + timedelta(seconds=n * page.interval)
        record_batch([Entry(page, Count(3_000_000), at, produced_at=produced(at))])
    page.refresh_from_db()
    return T0 + timedelta(seconds=(fetches - 1) * page.interval)


def _moving_peers():
    return [
        Page.objects.create(
            platform="facebook", platform_id=str(500 + n), metric="likes", interval=1800
        )
        for n in range(3)
    ]


@pytest.mark.django_db
def test_a_flat_run_served_from_a_cache_that_stopped_is_stale_though_the_platform_moves(
    page, measure
):
    for peer in _moving_peers():
        measure(peer, [7] * 14)
    # A CDN filled ten minutes before the run and never since: every answer says so.
    end = _fetch_flat(page, lambda at: T0 - timedelta(minutes=10))
    assert records.latest_span(page).answer_produced_at == T0 - timedelta(minutes=10)
    finding = _stale(page, hours=(end - T0).total_seconds() / 3600)
    kept, left_out = quiet.review(page, [finding])
    assert kept == [finding] and not left_out
    assert finding.details["quiet_rule"] == quiet.STOPPED


@pytest.mark.django_db
def test_a_flat_run_answered_afresh_at_every_fetch_is_quiet(page):
    # Too few peers: the page's own history alone would call this run stale (RARE).
    end = _fetch_flat(page, lambda at: at - timedelta(seconds=1))
    finding = _stale(page, hours=(end - T0).total_seconds() / 3600)
    kept, left_out = quiet.review(page, [finding])
    assert kept == [] and left_out == {finding.key}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("produced", "stale"),
    [(lambda at: at, False), (lambda at: T0 - timedelta(minutes=10), True)],
    ids=["answered-afresh", "cache-stopped"],
)
def test_a_run_that_has_ended_is_judged_by_its_own_answers_date(page, produced, stale):
    # The page's newest answer (after the run, with a new count) is fresh either way: only
    # the run's own span says whether the answers during the run were.
    end = _fetch_flat(page, produced)
    later = end + timedelta(hours=3)
    record_batch([Entry(page, Count(3_000_100), later, produced_at=later)])
    page.refresh_from_db()
    finding = _stale(page, hours=(end - T0).total_seconds() / 3600)
    kept, left_out = quiet.review(page, [finding])
    if stale:
        assert kept == [finding] and finding.details["quiet_rule"] == quiet.STOPPED
    else:
        assert kept == [] and left_out == {finding.key}


@pytest.mark.django_db
def test_a_span_keeps_the_date_of_its_last_answer_and_a_backfill_has_none(page):
    _fetch_flat(page, lambda at: at, fetches=3)
    dated = records.latest_span(page)
    assert dated.answer_produced_at == dated.last_seen  # the third fetch's, not the first's
    record_backfill([Entry(page, Count(2_900_000), T0 - timedelta(days=2), Provenance.IMPORTED)])
    spans = list(records.spans(page))
    assert [s.answer_produced_at for s in spans] == [None, dated.last_seen]


def _past_flat_run(page, produced, *, moving_hours=25, flat=12, after=24):
    """`moving_hours` of a page that moves at every fetch, then `flat` fetches at one count,
    then `after` fetches moving again, recorded round by round with the events consumer
    running live; each answer dated `produced(at, run)` (`run`: whether the count is flat)."""
    rng = random.Random(3)
    moving = [rng.randint(5, 40) for _ in range(moving_hours * 3600 // page.interval)]
    changes = moving + [0] * flat + [rng.randint(5, 40) for _ in range(after)]
    value, at = 3_000_000, T0
    for n, change in enumerate(changes):
        value += change
        run = len(moving) <= n < len(moving) + flat
        record_batch([Entry(page, Count(value), at, produced_at=produced(at, run))])
        at += timedelta(seconds=page.interval)
    page.refresh_from_db()
    return T0 + timedelta(seconds=(len(moving) - 1) * page.interval)  # the run's first fetch


def _stale_events():
    return sorted(
        Event.objects.filter(kind=detect.STALE).values_list("start", "end", "details", "status")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("cache_stopped", [True, False], ids=["cache-stopped", "answered-afresh"])
def test_a_past_flat_run_is_judged_alike_live_and_on_a_rescan(
    page, cache_stopped, django_capture_on_commit_callbacks
):
    # Both runs are an hour flat at hours the page always moved: its own history alone calls
    # either stale (no other page of the platform is tracked). The answers' dates tell them
    # apart: a cache filled ten minutes before the run and served since, or the platform
    # answering afresh with the same count.
    def produced(at, run):
        return run_start - timedelta(minutes=10) if run and cache_stopped else at

    run_start = T0 + timedelta(hours=25) - timedelta(seconds=page.interval)
    with django_capture_on_commit_callbacks(execute=True):
        assert _past_flat_run(page, produced) == run_start
    live = _stale_events()
    segments.compact(keep=0)  # long after: the run's span is packed in a segment
    span = next(records.spans(page, start=run_start, end=run_start))
    page.refresh_from_db()
    assert page.segmented_seq >= span.seq
    scan_page(page, rescan=True)
    assert _stale_events() == live
    if cache_stopped:
        assert [(start, details["quiet_rule"]) for start, _e, details, _s in live] == [
            (run_start, quiet.STOPPED)
        ]
    else:
        assert live == []
