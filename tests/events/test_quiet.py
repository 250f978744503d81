"""Quiet is not stale: a page that truly does not change, or a count that stopped."""

from datetime import timedelta

import pytest

from likewatch.events import detect, quiet
from likewatch.events.quiet import judge
from likewatch.tracking.models import Page

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
    return detect.Finding(
        kind=detect.STALE,
        start=T0.timestamp(),
        end=(T0 + timedelta(hours=hours)).timestamp(),
        size=hours * 12,
        expected=5.0,
        seen=0.0,
        confidence=1.0,
        detected_at=(T0 + timedelta(hours=hours)).timestamp(),
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
    from likewatch.sources.base import Count
    from likewatch.tracking.history import Entry, record_batch

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
    assert page.answer_produced_at == T0 - timedelta(minutes=10)
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
def test_a_run_that_has_ended_is_judged_without_the_newest_answers_date(page):
    from likewatch.sources.base import Count
    from likewatch.tracking.history import Entry, record_batch

    end = _fetch_flat(page, lambda at: at)
    later = end + timedelta(hours=3)
    record_batch([Entry(page, Count(3_000_100), later, produced_at=later)])
    page.refresh_from_db()
    finding = _stale(page, hours=(end - T0).total_seconds() / 3600)
    kept, _ = quiet.review(page, [finding])
    assert kept == [finding] and finding.details["quiet_rule"] == quiet.OWN


@pytest.mark.django_db
def test_a_backfill_leaves_the_newest_answers_date_as_it_was(page):
    from likewatch.sources.base import Count
    from likewatch.tracking.history import Entry, record_backfill
    from likewatch.tracking.models import Provenance

    _fetch_flat(page, lambda at: at, fetches=2)
    dated = page.answer_produced_at
    record_backfill([Entry(page, Count(2_900_000), T0 - timedelta(days=2), Provenance.IMPORTED)])
    page.refresh_from_db()
    assert page.answer_produced_at == dated
