"""The detector judges each page against its own recent behaviour, never a fixed threshold."""

import random

from likewatch.events import detect
from likewatch.events.detect import Detector, Miss, Siblings, Span

INTERVAL = 300


def series(changes, *, start=1_000_000, interval=INTERVAL, precision_of=None, fail=()):
    """Spans and misses as tracking.history would store fetches every `interval` seconds."""
    records, seq, value, span = [], 0, start, None
    for i, change in enumerate([0, *changes]):
        t = i * interval
        value += change
        if i in fail:
            if span:
                records.append(Span(**span))
                span = None
            seq += 1
            records.append(Miss(seq, t))
            continue
        shown, precision = (value, 1) if precision_of is None else precision_of(value)
        if span and span["value"] == shown and span["precision"] == precision:
            span["last_seen"], span["fetches"] = t, span["fetches"] + 1
            continue
        if span:
            records.append(Span(**span))
        seq += 1
        span = dict(seq=seq, value=shown, precision=precision, first_seen=t, last_seen=t, fetches=1)
    if span:
        records.append(Span(**span))
    return records


def noisy(n, pace=0.0, sd=3.0, seed=1):
    rng = random.Random(seed)
    return [round(pace + rng.gauss(0, sd)) for _ in range(n)]


def kinds(findings):
    return [f.kind for f in findings]


def test_ordinary_noise_raises_nothing():
    assert Detector(INTERVAL).run(series(noisy(600, pace=-40, sd=8))) == []


def test_a_drop_far_beyond_the_campaigns_pace_is_a_purge():
    changes = noisy(200, pace=-40, sd=8)
    changes[150] -= 900
    [purge] = Detector(INTERVAL).run(series(changes))

    assert purge.kind == detect.PURGE
    assert purge.start == 150 * INTERVAL and purge.end == 151 * INTERVAL
    assert -960 < purge.seen < -900
    assert -40 - 15 < purge.expected < -40 + 15  # the campaign's pace explains about 40
    assert purge.size < -850
    assert 0.5 <= purge.confidence <= 1


def test_a_burst_upward_during_a_campaign_down_is_a_gain_with_more_confidence():
    changes = noisy(200, pace=-40, sd=8)
    changes[120] += 300
    quiet = noisy(200, pace=0, sd=8)
    quiet[120] += 300 - 40

    [under_campaign] = Detector(INTERVAL).run(series(changes))
    [without] = Detector(INTERVAL).run(series(quiet))

    assert under_campaign.kind == without.kind == detect.GAIN
    assert under_campaign.details["campaign_down"] and not without.details["campaign_down"]
    assert under_campaign.confidence > without.confidence


def test_bought_likes_delivered_over_three_intervals_are_one_gain():
    changes = noisy(200, pace=-40, sd=8)
    for i in (100, 101, 102):
        changes[i] += 250
    [gain] = Detector(INTERVAL).run(series(changes))

    assert gain.kind == detect.GAIN
    assert (gain.start, gain.end) == (100 * INTERVAL, 103 * INTERVAL)
    assert gain.details["steps"] == 3
    assert 700 < gain.size < 800


def test_a_lasting_change_of_pace_is_a_takeoff_not_a_purge():
    changes = noisy(100, pace=-5, sd=4) + noisy(100, pace=-120, sd=12, seed=2)
    findings = Detector(INTERVAL).run(series(changes))

    assert kinds(findings) == [detect.TAKEOFF]
    [takeoff] = findings
    assert takeoff.start == 100 * INTERVAL
    assert takeoff.expected > -200 and takeoff.seen < -1200  # people per hour


def test_a_campaign_fading_out_is_a_fading():
    changes = noisy(100, pace=-150, sd=12) + noisy(100, pace=-5, sd=4, seed=3)
    assert kinds(Detector(INTERVAL).run(series(changes))) == [detect.FADING]


def test_youtube_rounding_never_raises_an_event():
    def three_figures(value):
        step = 10 ** (len(str(value)) - 3)
        return value - value % step, step

    # 10.7 M subscribers losing about 80 an interval: the shown count moves 100,000 at a time.
    changes = noisy(2000, pace=-80, sd=15)
    findings = Detector(INTERVAL).run(series(changes, start=10_750_000, precision_of=three_figures))
    assert findings == []


def test_a_change_within_one_rounding_step_is_never_an_event():
    def thousands(value):
        return value - value % 1000, 1000

    changes = [0] * 100
    changes[60] = 999  # crosses one step of 1,000 at once
    assert Detector(INTERVAL).run(series(changes, start=500_000, precision_of=thousands)) == []


def test_failed_fetches_make_a_gap_with_its_missing_fetches():
    changes = noisy(100, pace=-20, sd=5)
    [gap] = Detector(INTERVAL).run(series(changes, fail=range(40, 46)))

    assert gap.kind == detect.GAP
    assert (gap.start, gap.end) == (39 * INTERVAL, 46 * INTERVAL)
    assert gap.size == 6 and gap.seen == 0
    assert gap.details["failures"] == 6


def test_an_ongoing_gap_is_open_ended():
    changes = noisy(60, pace=-20, sd=5)
    [gap] = Detector(INTERVAL).run(series(changes, fail=range(55, 61)))
    assert gap.ongoing and gap.end == 60 * INTERVAL


def test_a_single_failed_fetch_is_no_event():
    assert Detector(INTERVAL).run(series(noisy(100, pace=-20, sd=5), fail={50})) == []


def test_a_count_that_stops_changing_is_stale_and_its_catch_up_is_no_purge():
    changes = noisy(120, pace=-60, sd=8)
    frozen = sum(changes[80:100])
    changes[80:100] = [0] * 20
    changes[100] += frozen  # the cache lets go: the count catches up at once
    findings = Detector(INTERVAL).run(series(changes))

    assert kinds(findings) == [detect.STALE]
    assert findings[0].start == 80 * INTERVAL
    assert findings[0].size == 21  # fetches that read the same value
    assert findings[0].details["catch_up"] < -1000


def test_landing_on_the_other_metrics_level_is_a_metric_switch():
    changes = noisy(100, pace=-10, sd=4)
    changes[70] += 90_000  # likes (1,000,000) became followers (about 1,090,000)
    followers = Siblings({"followers": [(t * INTERVAL, 1_090_000) for t in range(101)]})
    findings = Detector(INTERVAL, siblings=followers).run(series(changes))

    assert kinds(findings) == [detect.METRIC_SWITCH]
    assert findings[0].details == {"metric": "followers"}


def test_detection_is_a_pure_function_of_the_history():
    changes = noisy(300, pace=-40, sd=8)
    changes[200] -= 900
    records = series(changes)
    first = Detector(INTERVAL).run(records)
    again = Detector(INTERVAL).run(list(reversed(records)))  # any order: sorted by seq

    assert [(f.key, f.size) for f in first] == [(f.key, f.size) for f in again]


def test_a_short_history_is_not_judged():
    changes = [0, 0, 5000, 0]
    assert Detector(INTERVAL).run(series(changes)) == []


def test_the_window_follows_the_sampling_interval():
    assert Detector(60).window_size == detect.WINDOW_MAX
    assert Detector(900).window_size == detect.WINDOW_MIN
    assert Detector(300).window_size == 36


def test_the_morocco_scenario_flags_its_scripted_incidents_and_nothing_else():
    from likewatch.simulator.scenario import load

    scenario = load("morocco-2016")
    found = {}
    for page in scenario.pages.values():
        counts = [page.count("likes", k * INTERVAL / 3600) for k in range(36 * 12)]
        changes = [b - a for a, b in zip(counts, counts[1:], strict=False)]
        findings = Detector(INTERVAL).run(series(changes, start=counts[0]))
        found[page.name] = [(f.kind, round(f.start / 3600), round(f.size, -2)) for f in findings]

    # Bought likes (6,000 over half an hour at hour 16) and a purge (4,000 at hour 30); the
    # campaign waves themselves (tens of thousands leaving over hours) raise nothing.
    assert found == {
        "Maroc Telecom": [("gain", 16, 5800)],
        "Meditel": [],
        "inwi": [("purge", 30, -3900)],
    }
