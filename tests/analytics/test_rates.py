"""Rates and their signs: a count's change keeps its sign; `toward` alone turns it into people
moving the way a campaign wants."""

from datetime import UTC, datetime, timedelta

import pytest

from likewatch.analytics import rates
from likewatch.analytics.change import campaign_change
from tests.sharing_data import START, campaign, page, record_hourly

T0 = datetime(2016, 3, 12, 12, 0, tzinfo=UTC)


def test_a_falling_count_has_a_negative_rate():
    assert rates.per_hour(1000, T0, 800, T0 + timedelta(hours=2)) == -100


def test_no_rate_when_no_time_passed():
    assert rates.per_hour(1000, T0, 800, T0) is None


def test_a_falling_count_is_progress_for_a_leave_campaign_and_loss_for_a_join_one():
    assert rates.toward(-120.0, "leave") == 120.0
    assert rates.toward(-120.0, "join") == -120.0
    assert rates.toward(None, "leave") is None


def test_a_total_of_nothing_known_is_unknown_not_zero():
    assert rates.total([None, None]) is None
    assert rates.total([None, -3.0, -2.0]) == -5.0


@pytest.mark.django_db
def test_a_board_where_every_page_falls_has_a_negative_rate_and_a_positive_moved_rate():
    first, second = page("1", "Operator"), page("2", "Other operator")
    record_hourly(first, [10_000, 9_000, 8_000])
    record_hourly(second, [5_000, 4_900, 4_800])
    c = campaign(pages=[(first, "leave"), (second, "leave")])
    result = campaign_change(c, now=START + timedelta(hours=2))
    assert result.total_change == -2_200
    assert result.total_rate_hour < 0
    assert result.total_rate_hour == pytest.approx(-1_100)
    assert result.total_moved == 2_200
    assert result.total_moved_rate_hour == pytest.approx(1_100)
