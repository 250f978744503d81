"""The events quick loop tells the false flags the injections made from the page's own."""

from bench import _eventdiag
from bench import _eventseries as synth


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
