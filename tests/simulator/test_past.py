"""The demo's past (likewatch.simulator.past): its pages' ordinary traffic before hour 0, on the
demo's own clock, written through the poller's write path, flagging nothing.

`likewatch demo` fetches every 10 real seconds at 60x, so a real day of past is 8,640 fetches of
ten simulated minutes each. The detector and the campaign's effect judge by real time, so the past
is as many real days as they need to judge the live burst: the detector's MIN_DAYS (a fitted
tail instead of "too little history") and the effect's MIN_PRE_HOURS.
"""

from dataclasses import replace
from datetime import timedelta

import pytest

from likewatch.analytics.effect import MIN_PRE_HOURS
from likewatch.cli.management.commands.demo import PAST_DAYS
from likewatch.events import detect
from likewatch.events.models import DetectorState, Event
from likewatch.simulator.past import Timeline, seed, track
from likewatch.simulator.scenario import load
from likewatch.tracking import records as history
from likewatch.tracking.models import Provenance
from tests.events.conftest import T0

HOUR_ZERO = T0.timestamp()


def test_the_past_is_the_demos_clock_read_backwards():
    timeline = Timeline(HOUR_ZERO, acceleration=60, interval=10)
    times = timeline.fetches(PAST_DAYS, until=HOUR_ZERO - 1)
    # A fetch every 10 real seconds, PAST_DAYS real days of them, the last before hour 0.
    assert len(times) == PAST_DAYS * 8640 + 1
    assert {b - a for a, b in zip(times, times[1:], strict=False)} == {10}
    assert times[-1] == HOUR_ZERO - 10 and times[0] == HOUR_ZERO - 10 - PAST_DAYS * 86400
    # Ten simulated minutes a fetch: a real day of past is 60 simulated days.
    assert timeline.hour(times[-1]) == pytest.approx(-1 / 6)
    assert timeline.hour(HOUR_ZERO - 86400) == pytest.approx(-24 * 60)
    # Only the fetches due since the last one written, when asked for those.
    assert timeline.fetches(PAST_DAYS, until=HOUR_ZERO + 25, after=times[-1]) == [
        HOUR_ZERO,
        HOUR_ZERO + 10,
        HOUR_ZERO + 20,
    ]


def test_before_hour_0_a_page_has_only_its_ordinary_traffic(scenario):
    page = scenario.page("MarocTelecom")
    ordinary = replace(page, waves=[], incidents=[])  # no campaign, no bought likes
    for hour in (-24 * 60, -30.0, -1 / 6, 0.0):
        assert page.count("likes", hour) == ordinary.count("likes", hour)
    # The campaign's wave begins at hour 0: no jump there, then the page loses people.
    assert abs(page.count("likes", 1 / 6) - page.count("likes", 0)) < 100
    assert page.count("likes", 2) < ordinary.count("likes", 2) - 500


@pytest.mark.django_db
def test_the_demos_past_is_written_as_fetches_and_flags_nothing(django_capture_on_commit_callbacks):
    scenario = load("morocco-2016")
    timeline = Timeline(HOUR_ZERO, acceleration=scenario.acceleration, interval=10)
    clock = iter([HOUR_ZERO - 30, HOUR_ZERO - 1, HOUR_ZERO - 1])  # 29 s pass while it writes
    pairs = track(scenario, "likes", timeline, PAST_DAYS, HOUR_ZERO - 30)
    with django_capture_on_commit_callbacks(execute=True):
        written = seed(pairs, timeline, PAST_DAYS, now=lambda: next(clock))
    # Long enough for the detector to judge rarity, and for the campaign's effect.
    assert PAST_DAYS >= detect.MIN_DAYS and PAST_DAYS * 24 >= MIN_PRE_HOURS
    fetches = PAST_DAYS * 8640 + 1 + 2  # and those due while it was written: no gap
    assert written == fetches * len(scenario.pages)
    for page, sim in pairs:
        page.refresh_from_db()
        spans = list(history.spans(page))  # the rows and what the compaction packed
        assert sum(span.fetches for span in spans) == fetches
        assert spans[0].first_seen == T0 - timedelta(seconds=30 + PAST_DAYS * 86400)
        assert spans[-1].last_seen == T0 - timedelta(seconds=10)
        assert spans[-1].value == sim.count("likes", -1 / 6)
        assert {span.provenance for span in spans} == {Provenance.API}  # fetched, not imported
        assert page.created_at == spans[0].first_seen
        assert page.last_success_at == spans[-1].last_seen
        # Through the write path: every consumer was handed it, live detection too, whose
        # rolling state the live demo resumes.
        state = detect.Detector.unpack(bytes(DetectorState.objects.get(page=page).state))
        assert state["seq"] == page.last_seq
    # Ordinary traffic: no event of any kind.
    assert list(Event.objects.values_list("page__name", "kind", "start")) == []
