"""Milestones, the one home of the rule: the organisers' step or list, else the 1-2-5 series;
the next one always ahead; reached ones never taken back; one jump, one milestone."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likewatch.analytics.milestones import Ladder, Milestone, ladder, reached
from likewatch.organisers.models import CampaignSettings
from tests.sharing_data import START, campaign, page, record_hourly

HOUR = timedelta(hours=1)


def test_the_default_series_is_1_2_5_from_a_thousand():
    goals = Ladder().goals()
    assert [next(goals) for _ in range(7)] == [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]


@pytest.mark.parametrize(
    ("moved", "milestone"),
    [(0, 1000), (-500, 1000), (999, 1000), (1000, 2000), (4999, 5000), (60_412, 100_000)],
)
def test_the_next_default_milestone(moved, milestone):
    assert Ladder().next_above(moved) == milestone


def test_the_organisers_step_gives_the_next_multiple_not_the_next_round_number():
    assert Ladder(step=500).next_above(25_040) == 25_500
    assert Ladder(step=500).next_above(25_500) == 26_000
    assert Ladder(step=500).next_above(-40) == 500


def test_a_custom_list_counts_with_the_step():
    steps = Ladder(step=25_000, custom=(60_000,))
    assert steps.next_above(50_000) == 60_000
    assert steps.next_above(60_000) == 75_000


def test_a_custom_list_alone_ends_when_it_is_used_up():
    steps = Ladder(custom=(60_000, 10_000))
    assert list(steps.goals()) == [10_000, 60_000]
    assert steps.next_above(60_000) is None


def test_crossed_names_every_milestone_passed_and_highest_reached_the_last():
    steps = Ladder(step=500)
    assert steps.crossed(0, 25_040)[-1] == 25_000
    assert len(steps.crossed(0, 25_040)) == 50
    assert steps.crossed(25_040, 25_040) == []
    assert steps.highest_reached(25_040) == 25_000
    assert steps.highest_reached(499) is None


def test_a_step_below_one_is_refused():
    with pytest.raises(ValueError):
        Ladder(step=0)


@given(
    st.integers(min_value=-(10**9), max_value=10**12),
    st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)),
)
def test_the_next_milestone_is_always_ahead(moved, step):
    milestone = Ladder(step=step).next_above(moved)
    assert milestone > moved
    if step:
        assert milestone % step == 0 and milestone - step <= max(moved, 0)
    else:
        assert str(milestone).lstrip("125").strip("0") == ""


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_a_campaign_without_history_has_no_milestones():
    assert reached(campaign(pages=[(page("1", "A"), "leave")])) == []


@pytest.mark.django_db
def test_the_organisers_step_replaces_the_1_2_5_series():
    left = page("1", "Operator")
    record_hourly(left, [10_000, 9_600, 9_100, 8_700])
    c = campaign(target=None, pages=[(left, "leave")])
    CampaignSettings.objects.create(campaign=c, milestone_every=400)
    assert [m.moved for m in reached(c)] == [400, 800, 1200]


@pytest.mark.django_db
def test_the_organisers_list_is_honoured():
    left = page("1", "Operator")
    record_hourly(left, [100_000, 70_000, 30_000])
    c = campaign(target=None, pages=[(left, "leave")])
    CampaignSettings.objects.create(campaign=c, milestones=[60_000])
    assert ladder(c) == Ladder(custom=(60_000,))
    assert [m.moved for m in reached(c)] == [60_000]


@pytest.mark.django_db
def test_one_jump_across_fifty_milestones_is_one_milestone():
    left = page("1", "Operator")
    record_hourly(left, [100_000, 74_960])
    c = campaign(target=None, pages=[(left, "leave")])
    CampaignSettings.objects.create(campaign=c, milestone_every=500)
    assert reached(c) == [Milestone(25_000, START + HOUR, passed=50)]


@pytest.mark.django_db
def test_falling_back_and_rising_again_never_repeats_or_goes_backwards():
    left = page("1", "Operator")
    record_hourly(left, [10_000, 8_400, 9_500, 8_400, 8_300, 7_900])
    c = campaign(target=None, pages=[(left, "leave")])
    CampaignSettings.objects.create(campaign=c, milestone_every=500)
    moved = [m.moved for m in reached(c)]
    assert moved == [1_500, 2_000]
    assert moved == sorted(set(moved))


def _flag(p, kind: str, start_hour: float, end_hour: float, size: int) -> None:
    from likewatch.events.models import Event

    Event.objects.create(
        page=p,
        kind=kind,
        start=START + HOUR * start_hour,
        end=START + HOUR * end_hour,
        size=size,
        expected=0,
        seen=size,
        confidence=0.99,
    )


@pytest.mark.django_db
def test_a_flagged_burst_of_gains_in_a_join_campaign_announces_no_milestone():
    joined = page("2", "Protest page")
    # 800 join, then an unusual burst of 5,000 arrives over two fetches (hours 2 to 4).
    record_hourly(joined, [0, 400, 800, 3_300, 5_800])
    _flag(joined, "gain", 2, 4, 5_000)
    c = campaign(target=None, pages=[(joined, "join")])
    # Taken out as soon as the walk enters the burst: no milestone on its first half either.
    assert reached(c) == []


@pytest.mark.django_db
def test_departures_a_flagged_gain_hid_in_a_leave_campaign_count_once_it_ends():
    left = page("1", "Operator")
    # 600 leave an hour; an unusual gain of 3,000 over hours 2 to 4 hides them.
    record_hourly(left, [10_000, 9_400, 8_800, 9_700, 10_600, 10_000])
    _flag(left, "gain", 2, 4, 3_000)
    c = campaign(target=None, pages=[(left, "leave")])
    # 1,200 left by hour 2; the measured count alone never says more, but 2,400 had left
    # when the gain ended at hour 4.
    assert reached(c) == [Milestone(1_000, START + HOUR * 2), Milestone(2_000, START + HOUR * 4)]
