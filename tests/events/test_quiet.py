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
