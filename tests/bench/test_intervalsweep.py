"""The interval sweep reads real series at coarser sampling the way a poller would have, keeps
bench events' own synthetic pages as they were, and tells a split event from a hit."""

from types import SimpleNamespace

from bench import _eventseries as synth
from bench import _intervalsweep as sweep
from bench._eventseries import Injected, Series, compact


def minutely(counts: list[int]) -> Series:
    series = Series("arrivals", "tuning", 60)
    series.times = [60.0 * (k + 1) for k in range(len(counts))]
    total = 5_000_000
    series.values = []
    for count in counts:
        total += count
        series.values.append(total)
    series.records = compact(series.times, series.values)
    return series


def test_a_coarser_reading_sums_the_arrivals_over_each_interval(monkeypatch):
    monkeypatch.setattr(sweep, "MIN_FETCHES", 2)
    series = minutely([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])  # fetched at minutes 1-12
    coarser = sweep.resample(series, 240)
    assert coarser.interval == 240
    assert coarser.times == [240.0, 480.0, 720.0]
    steps = [b - a for a, b in zip(coarser.values, coarser.values[1:], strict=False)]
    assert steps == [5 + 6 + 7 + 8, 9 + 10 + 11 + 12]


def test_only_a_finer_series_whose_interval_divides_is_resampled(monkeypatch):
    monkeypatch.setattr(sweep, "MIN_FETCHES", 3)
    series = minutely(list(range(20)))  # 20 minutes
    assert sweep.resample(series, 60) is None
    assert sweep.resample(series, 90) is None
    assert sweep.resample(series, 300) is not None
    assert sweep.resample(series, 600) is None  # two fetches: too short to learn anything


def test_the_measured_intervals_keep_their_synthetic_history():
    assert {i: synth.history_days(i) for i in synth.INTERVALS} == synth.INTERVALS
    assert all(synth.history_days(i) for i in sweep.SWEEP)


def test_the_sweep_runs_every_interval_with_its_pages():
    todo = sweep.tasks(pages=2, draws=3, real=False)
    assert {t[1] for t in todo} == set(sweep.SWEEP)
    assert len(todo) == len(sweep.SWEEP) * 4
    assert sweep.label(600) == "10-minute" and sweep.label(21600) == "6-hour"
    assert sweep.label(300) == "5-minute"


def test_a_second_flag_on_a_found_event_is_counted_doubled_and_the_other_way_an_echo():
    series = Series("page", "burst", 300)
    series.injected = [Injected("purge", 1000.0, 1300.0, -500.0)]

    def flag(kind, start, end):
        return SimpleNamespace(kind=kind, start=start, end=end)

    found = [flag("purge", 1000, 1300), flag("purge", 1600, 1800), flag("gain", 1900, 1900)]
    assert sweep._near(series, found) == (1, 1)
    assert sweep._near(series, found[:1]) == (0, 0)


def test_a_run_reports_its_counts_and_an_exception_as_an_error():
    brief, result = sweep.run(("control", 43200, 0, None, None))
    assert set(result) == {"flags", "days"}
    assert result["days"] > 900
    brief, result = sweep.run(("injected", 600, 0, None, 0))  # no series to inject into
    assert "error" in result


def test_a_run_scores_a_page_by_bench_events_own_score():
    from bench import events

    series = synth.burst_series(events.SEED, 21600, 0)
    expected = events.score([series])
    brief, result = sweep.run(("burst", 21600, 0, None, None))
    assert {k: result[k] for k in ("tp", "fp", "fn")} == {
        k: expected[k] for k in ("tp", "fp", "fn")
    }
    assert events.flags is not None and events.flags.__name__ == "flags"
