"""The events quick loop tells the false flags the injections made from the page's own."""

from bench import _eventdiag
from bench import _eventseries as synth
from likewatch.events import detect
from tests.events.test_detect import jumpy_page


def test_the_plain_series_is_the_page_with_its_injected_events_taken_out():
    # A page joining 10 a day; a purge of 300 on day 4 and a gain of 90 over days 7-9.
    page = synth.Series("page", "burst", 86400)
    page.times = [86400.0 * k for k in range(12)]
    page.injected = [
        synth.Injected("purge", page.times[3], page.times[4], -300.0),
        synth.Injected("gain", page.times[6], page.times[9], 90.0),
    ]
    extra = [0, 0, 0, 0, -300, -300, -300, -270, -240, -210, -210, -210]
    page.values = [1000 + 10 * k + e for k, e in enumerate(extra)]
    page.records = synth.compact(page.times, page.values)
    assert _eventdiag.plain(page).values == [1000 + 10 * k for k in range(12)]


def test_a_missed_purge_is_listed_with_what_dropped_it():
    # A purge of 6.4 typical changes 11 minutes after a take-off, judged by the fast baseline
    # while under way (against the longest bursts' bar) and once over (against one-fetch
    # bursts): the last judgement is what dropped it, with the page's own largest ordinary
    # one-fetch drop beside the bar.
    purge = synth.Injected("purge", 600.0, 660.0, -28.0, extreme=6.3, relative=6.4)
    under_way = {"which": "fast", "over": False, "steps": 1, "peak": 2.86, "level": 5.42}
    over = {"which": "fast", "over": True, "steps": 1, "peak": 2.86, "level": 2.98}
    near = [{**under_way, "ordinary": 3.01}, {**over, "ordinary": 2.24}]
    assert _eventdiag._missed(purge, near, [], {"under-threshold"}, 0.0) == (
        "missed",
        "purge",
        "+11 min 6.4x typical (extreme 6.3x)",
        "fast 1 fetch strength 2.86, bar 2.98, largest ordinary 2.24",
    )
    # Flagged, then withdrawn by a campaign rule: the rule is named, not the strength.
    withdrawn = _eventdiag._missed(purge, near, [], {"flag", "rule:confirm"}, 0.0)
    assert withdrawn[-1] == "rule:confirm"
    # Never a burst: never judged by the fast baseline, its largest step is given.
    step = {"unjudged": 3.21, "sign": -1, "start": 600.0, "end": 660.0}
    assert _eventdiag._missed(purge, [], [step], set(), 0.0)[-1] == (
        "no episode; fast: no burst (largest step 3.2 spreads)"
    )


def test_a_burst_is_read_against_the_very_bar_it_was_judged_by():
    # A 5-minute page whose ordinary one-fetch jumps go further than its bursts of several
    # fetches: a one-fetch jump under way, between the two lengths' bars, is not flagged
    # (`Detector._maybe_flag`), and the quick loop reads it as under its bar, not as a flag
    # (real tuning 5-minute, 2026-12-06: 4 one-fetch purges listed as "flag-outside-window"
    # that no flag was raised for).
    detector = jumpy_page(300)
    one = detector._threshold("fast", "fast+", steps=1)[0]
    several = detector._threshold("fast", "fast+", steps=detector.freeze)[0]
    at, peak = 89 * 86400.0, (one + several) / 2
    episode = detect._Episode(1, at, 100, 10.0, steps=1, peak=peak, burst=True)
    episode.peak_end, episode.peak_seq = at + 300, 101
    episode.peak_seen, episode.peak_expected = 10.0 + 5 * peak, 10.0
    log, restore = _eventdiag._instrument()
    try:
        detector._maybe_flag("fast", "fast+", episode)
    finally:
        restore()
    assert not episode.flagged
    assert [(x["outcome"], x["level"]) for x in log] == [("under-threshold", one)]
