"""Milestones: the first moment a campaign's moved total reached each 1-2-5 round number."""

from datetime import timedelta

import pytest

from likewatch.analytics.milestones import Milestone, reached, series
from likewatch.organisers.models import CampaignSettings
from tests.sharing_data import START, campaign, page, record_hourly

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def test_the_series_is_1_2_5_from_a_thousand():
    numbers = series()
    assert [next(numbers) for _ in range(7)] == [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]


def test_milestones_and_the_target_are_reached_once_summing_pages_and_directions():
    left = page("1", "Operator")
    joined = page("2", "Protest page")
    record_hourly(left, [10_000, 9_500, 9_000, 9_900, 7_000])
    record_hourly(joined, [0, 0, 600, 600, 600])
    c = campaign(target=3_000, pages=[(left, "leave"), (joined, "join")])

    assert reached(c) == [
        Milestone(1000, START + HOUR * 2),  # 1,000 left + 600 joined = 1,600
        Milestone(2000, START + HOUR * 4),  # fell back to 700, then 3,600
        Milestone(3000, START + HOUR * 4, target=True),
    ]


def test_a_campaign_without_history_has_no_milestones():
    assert reached(campaign(pages=[(page("1", "A"), "leave")])) == []


def test_the_organisers_step_replaces_the_1_2_5_series():
    left = page("1", "Operator")
    record_hourly(left, [10_000, 9_600, 9_100, 8_700])
    c = campaign(target=None, pages=[(left, "leave")])
    CampaignSettings.objects.create(campaign=c, milestone_every=400)
    assert [m.moved for m in reached(c)] == [400, 800, 1200]
