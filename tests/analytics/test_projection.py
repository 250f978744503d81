"""The time to reach a goal at the current rate."""

from datetime import UTC, datetime, timedelta

import pytest

from likewatch.analytics.projection import project

NOW = datetime(2016, 3, 12, 12, 0, tzinfo=UTC)


def test_time_to_a_goal_at_a_steady_rate():
    p = project(goal=10_000, moved=4_000, rate=1_500.0, now=NOW)
    assert p.remaining == 6_000
    assert p.duration == timedelta(hours=4)
    assert p.eta == NOW + timedelta(hours=4)


def test_a_goal_already_passed_is_reached_now():
    p = project(goal=1_000, moved=1_200, rate=-50.0, now=NOW)
    assert p.reached
    assert p.duration == timedelta(0)
    assert p.remaining == 0


@pytest.mark.parametrize("rate", [None, 0.0, -10.0])
def test_no_date_when_the_rate_does_not_go_the_campaigns_way(rate):
    p = project(goal=1_000, moved=10, rate=rate, now=NOW)
    assert p.duration is None
    assert p.eta is None


def test_no_date_beyond_a_year():
    p = project(goal=1_000_000, moved=0, rate=1.0, now=NOW)
    assert p.eta is None
