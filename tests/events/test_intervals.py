"""Sampled every few hours, a page's time of day is still part of its ordinary cycle."""

import numpy as np
import pytest

from likewatch.events import detect
from likewatch.events.detect import Detector
from tests.events.test_detect import series

HOUR = 3600
DAY = 86400
# People joining per hour by the hour of the day: none at night, a morning and an evening rush
# (a page followed like departures from an airport).
BY_HOUR = [0, 0, 0, 0, 0, 2, 30, 45, 40, 35, 30, 30, 32, 35, 38, 40, 42, 45, 40, 30, 20, 12, 5, 1]


def fetched_every(interval: int, *, seed: int, days: int = 120, purge: int = 0, at_day: int = 80):
    """Joins per fetch every `interval` seconds: the hours it covers, 20 % fewer at weekends,
    nearly Poisson; `purge` people removed at the first fetch of day `at_day`."""
    rng = np.random.default_rng(seed)
    means = []
    for k in range(days * DAY // interval):
        start = k * interval
        weekend = ((start // DAY) + 3) % 7 >= 5
        hours = [(start + h * HOUR) % DAY // HOUR for h in range(interval // HOUR)]
        means.append(sum(BY_HOUR[h] for h in hours) * (0.8 if weekend else 1.0))
    k = 200.0
    mean = np.maximum(np.array(means), 1e-9)
    changes = [int(c) for c in rng.negative_binomial(k, k / (k + mean))]
    if purge:
        changes[at_day * DAY // interval] -= purge
    return changes


def flags(changes, interval):
    found = Detector(interval).run(series(changes, interval=interval))
    return [f for f in found if f.kind in (detect.GAIN, detect.PURGE)]


@pytest.mark.parametrize(("hours", "purge"), [(6, 300), (12, 600)])
@pytest.mark.parametrize("seed", [1, 2])
def test_sampled_every_few_hours_a_purge_is_found_against_the_page_s_time_of_day(
    hours, purge, seed
):
    # Every 12 hours the page reads about 210 and 340 joins in turn (noise about 15-20): a
    # purge of 600 is 30 of its noise. Judged by weekday alone (the rule until 2026-12-06),
    # the alternation was its noise and neither this nor 300 every 6 hours was found.
    interval = hours * HOUR
    changes = fetched_every(interval, seed=seed, purge=purge)
    found = flags(changes, interval)
    assert [f.kind for f in found] == [detect.PURGE], found
    at = 80 * DAY
    assert found[0].start - interval <= at <= found[0].end
    assert abs(found[0].size + purge) < 0.15 * purge


@pytest.mark.parametrize("hours", [6, 12])
def test_sampled_every_few_hours_the_page_s_nights_and_rushes_are_no_events(hours):
    interval = hours * HOUR
    assert flags(fetched_every(interval, seed=3), interval) == []


def test_a_state_whose_profile_was_kept_by_weekday_is_read_as_from_an_earlier_version():
    interval = 6 * HOUR
    records = series(fetched_every(interval, seed=4, days=20), interval=interval)
    detector = Detector(interval)
    detector.feed(records)
    state = detector.state()
    for name in ("profile", "visits", "zeros", "bin_days", "bin_last"):
        state[name] = state[name][:7]
    state["spread"] = {k: v[:7] for k, v in state["spread"].items()}
    again = Detector(interval, state=state)
    assert again.seq == 0 and len(again.profile) == again.bins == 168
    again.feed(records)  # read from the start, as a rebuilt state is
    assert again.seq == detector.seq
