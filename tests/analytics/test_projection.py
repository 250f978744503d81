"""Milestones and the time to reach them at the current rate."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likewatch.analytics.projection import moved_rate, next_milestone, project

NOW = datetime(2016, 3, 12, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moved", "milestone"),
    [
        (0, 1000),
        (-500, 1000),
        (999, 1000),
        (1000, 2000),
        (4999, 5000),
        (5000, 10_000),
        (60_412, 100_000),
        (150_000, 200_000),
    ],
)
def test_milestones_follow_the_1_2_5_series(moved, milestone):
    assert next_milestone(moved) == milestone


@given(st.integers(min_value=-(10**9), max_value=10**12))
def test_the_next_milestone_is_always_ahead_and_round(moved):
    milestone = next_milestone(moved)
    assert milestone > moved
    assert str(milestone).lstrip("125").strip("0") == ""


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


def test_a_falling_count_is_progress_for_a_leave_campaign():
    assert moved_rate(-120.0, "leave") == 120.0
    assert moved_rate(-120.0, "join") == -120.0
    assert moved_rate(None, "leave") is None
