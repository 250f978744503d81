"""Moments written as the API writes them, straight from seconds since the epoch.

A history answer carries up to a thousand moments. Making each a datetime
(`datetime.fromtimestamp`) and handing it to the API's JSON encoder (django-ninja's, which is
Django's: ISO 8601, milliseconds, "Z") cost about a third of a day chart's server time. This
module writes the same text from the seconds: the same rounding to microseconds as
`datetime.fromtimestamp` (half to even, on the fraction), then only integer arithmetic, the
date part formatted once per distinct day. tests/api/test_json_times.py holds it to the
encoder's output.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from math import modf

_EPOCH = date(1970, 1, 1)
# The clock's text, by minute of the day and by second: two small tables instead of three
# number formats per moment.
_MINUTES = [f"{hour:02d}:{minute:02d}:" for hour in range(24) for minute in range(60)]
_SECONDS = [f"{second:02d}" for second in range(60)]


@lru_cache(maxsize=1024)
def _day(days: int) -> str:
    return (_EPOCH + timedelta(days=days)).isoformat()


def utc_text(seconds: float) -> str:
    """`seconds` since the epoch as the API writes `datetime.fromtimestamp(seconds, UTC)`:
    "2025-01-30T23:59:00Z", or "2025-01-30T23:59:00.123Z" (milliseconds, truncated) when the
    moment has a fraction of a second."""
    whole = int(seconds)
    if whole == seconds:  # most moments: whole seconds, nothing to round
        days, second = divmod(whole, 86_400)
        minute, second = divmod(second, 60)
        return _day(days) + "T" + _MINUTES[minute] + _SECONDS[second] + "Z"
    # datetime.fromtimestamp's own steps (CPython's _PyTime_DoubleToDenominator): the
    # fraction is scaled and rounded half to even on its own, then carried.
    fraction, integral = modf(seconds)
    micro = round(fraction * 1e6)
    if micro >= 1_000_000:
        micro -= 1_000_000
        integral += 1.0
    elif micro < 0:
        micro += 1_000_000
        integral -= 1.0
    days, second = divmod(int(integral), 86_400)
    minute, second = divmod(second, 60)
    clock = _MINUTES[minute] + _SECONDS[second]
    if micro:
        # Django's encoder keeps milliseconds, cut, not rounded.
        return f"{_day(days)}T{clock}.{micro // 1000:03d}Z"
    return f"{_day(days)}T{clock}Z"
