"""A page's own calendar: a deviation that recurs a year apart is the page's, not an event.

Sampled daily, a page's ordinary traffic has days of its own that no weekly cycle or level
explains: fewer births on Christmas Day, on Thanksgiving and on Labor Day, a season's slow
decline each October. Each is as far off as a purge a journalist would quote, and without a
memory of the years before each was flagged every year (real tuning births, 1969-1978: 36 of
40 false positives were such days, bench._eventdiag 2026-12-03).

A deviation is the page's calendar (`Calendar.recurs`) when the same days a year earlier moved
the same way by at least `SHARE` of it and `LEAST` spreads, and either no event was flagged on
them or the same days two years earlier moved the same way too (by `LEAST` spreads: the year
between matched the size, and a page's first year is measured in a young page's wider
spreads). "The same days a year earlier" are the same date (Christmas, the Fourth of July) or
a day either side of it (kept on a Friday or Monday when at a weekend) and the same weekday 52
or 53 weeks earlier, where the nth (or the last) weekday of a month falls a year on
(Thanksgiving, Labor Day, Memorial Day), whatever the time of day the page is fetched at. A
purge on an ordinary day is still flagged: the page did not move as much on those days a year
before.

Why a flagged day needs a second year: a flag a year earlier is an event by the detector's own
judgement, and an event recurring on one of a few days a year on is a coincidence, not a
calendar (the bench injects an event every 7-14 days: one year's memory alone gated 9 of 83
injected events on the real tuning series, some on a holiday, recall 0.95 -> 0.89, F1 0.87;
with the second year recall 0.94, F1 0.88; bench._eventdiag 2026-12-03).

A page's first year is the exception: its days were flagged before the calendar could judge
them (no year before them is kept), so its holidays were flagged with its events, and such a
flag is no judgement that the day held an event. The same days a year on, moved that way
clear of the noise (`LEAST`: the first year's moves are measured in a young page's wider
spreads), are the calendar. Before, a holiday the first year flagged was flagged once more
the second year (nothing two years back to confirm it): the real tuning Chicago L stations,
first fetched in August 2011, had Thanksgiving, Christmas, New Year, Memorial Day, the
Fourth of July and Labor Day of 2012-2013 flagged again, most of them in every draw.
Measured (bench._eventdiag synthetic tuning false-tuning false-synthetic --plain --draws 3
--only daily, 2026-12-06, against main at e079197): real tuning daily F1 0.886 -> 0.901 (tp
903 -> 907, fp 132 -> 103, fn 101 -> 97; its false positives also raised with nothing
injected 115 -> 87), its false flags 0.10 -> 0.08 per 30 days (48 -> 40 flags); synthetic
daily 0.921 -> 0.912 (tp 58 -> 57, fp 5 either way: one injected event lost, the cost), its
false flags 0.04 either way. With the year before held to SHARE of this year's move, as on
any other day: fp 132 -> 118, F1 0.894 (a first-year dip reads as fewer spreads than the
same dip a year on: Clark/Lake's Thanksgiving, -13.4 and -34.0).

Not a profile added to the prediction (a yearly additive profile was tried and rejected: F1
0.74 / 0.73, it adds a year-old day's noise to every prediction): a gate on what is flagged.

A calendar move stays out of the tails the detector sets its bars from (it is no measure of the
page's noise), and so, once the calendar knows them, do the same days a year earlier, learnt
before it could (`Calendar.explained`).

A `Calendar` keeps one number a day, the page's deviation from its slow baseline that day in
spreads (its residual z, to one decimal), for `MEMORY_DAYS`, the days events were flagged on,
and the bursts of the last year its fast tails learnt: about 800 numbers, only for pages
sampled daily or less often (sampled more often, two years are far too many fetches to keep in
a state the poller rewrites every round).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

DAY = 86400.0
# A move over more days than this (a slow baseline's episode can last weeks) is compared with
# a year earlier over its last WINDOW_DAYS days.
WINDOW_DAYS = 28
# Two years of 53 weeks and the longest window compared.
MEMORY_DAYS = 2 * 371 + WINDOW_DAYS
# A deviation is the page's calendar when the same days a year earlier moved the same way by
# at least this share of it ("about as large": holidays recur at 0.5-1.5 times the year
# before's deviation on the births series; an injected event of 5-20 typical changes on a
# holiday is larger than the holiday alone)...
SHARE = 0.5
# ...and by at least this many spreads: a day a year earlier the page moved as much on every
# few weeks is no calendar. Without it, synthetic daily pages (no calendar at all) had random
# flags and injected events gated on the noise of a year before (bench._eventdiag,
# 2026-12-03, synthetic daily: 7 episodes gated, 2 of them injected events; with it, 1,
# injected; real tuning daily F1 0.88 without it, 0.87 with it).
LEAST = 3.0
_EPOCH = dt.date(1970, 1, 1)


def day_of(at: float, interval: float) -> int:
    """The day (since the epoch, UTC) a change fetched at `at` mostly happened on: the
    middle of the interval it covers."""
    return int((at - interval / 2) // DAY)


def year_earlier(day: int) -> tuple[int, ...]:
    """How many days back the same days fall a year earlier: the same date (28 February for
    a 29th) or a day either side of it, and the same weekday 52 or 53 weeks earlier.

    A day either side: a holiday on a fixed date that falls at a weekend is kept on the
    Friday before or the Monday after (the Fourth of July 1976, a Sunday, on Monday the 5th,
    367 days after Friday 4 July 1975), and a count dated at midnight may hold the day after
    (the births series' counts are dated at the start of their day). Without it, the Fourth
    of July 1976 and 1977 (one flagged, so the other could not be confirmed) were flagged as
    news. bench._eventdiag synthetic tuning false-tuning false-synthetic --draws 3 (daily
    rows, 2026-12-04): real tuning daily F1 0.956 -> 0.967 (fp 16 -> 12, the same 247 of 252
    found), false flags real tuning daily 0.07 -> 0.05 per 30 days, synthetic rows unchanged.
    Two days either side (a Sunday holiday a year after a Saturday one, kept on Monday and
    on Friday) also took 1 more false flag away, and 2 injected events (F1 0.965, not kept)."""
    date = _EPOCH + dt.timedelta(days=day)
    try:
        same = date.replace(year=date.year - 1)
    except ValueError:  # 29 February
        same = date.replace(year=date.year - 1, day=28)
    back = (date - same).days
    return tuple(sorted({back - 1, back, back + 1, 364, 371}))


class Calendar:
    """A page's daily deviations (z) of the last MEMORY_DAYS days."""

    def __init__(self, data: list | None = None) -> None:
        # [the first day kept, [its z and each later day's; None for a day not fetched]]
        self.first: int = data[0] if data else 0
        self.z: list[float | None] = list(data[1]) if data else []
        # Days an event was flagged on: an event, not the page's calendar.
        self.flagged: list[int] = list(data[2]) if data and len(data) > 2 else []
        # [day, tail, peak] of each burst a tail learnt as the page's ordinary noise, over the
        # last year: one the calendar explains a year on leaves that tail (`explained`).
        self.learnt: list[list] = [list(x) for x in data[3]] if data and len(data) > 3 else []

    def dump(self) -> list:
        return [self.first, list(self.z), list(self.flagged), [list(x) for x in self.learnt]]

    def learn(self, day: int, tail: str, peak: float) -> None:
        """A tail learnt `peak` from a burst that ended on `day` as the page's ordinary noise."""
        self.learnt.append([day, tail, peak])
        # Only a year back (and a window) is ever compared with.
        oldest = max(self.first, day - 371 - WINDOW_DAYS)
        self.learnt = [x for x in self.learnt if x[0] >= oldest]

    def explained(self, days: range) -> list[tuple[str, float]]:
        """The tails' peaks learnt on the same days a year before `days` (which the calendar
        has just found the page's own), forgotten here: (tail, peak) of each.

        A page's first year holds its holidays before the calendar can know them: learnt as its
        ordinary bursts, they set the bar for every later day. Once the same days recur a year on
        (`recurs`), the first year's were the calendar too, and leave the tails the way the
        second year's never enter them (`Detector._close`). Kept, the holidays of a page's first
        year set its bar for good where a direction is rare (its tail never gathers TAIL peaks in
        a generation, so never forgets): real tuning Chicago L, Quincy/Wells with its entries
        counted down, whose one-fetch "gains" are days with fewer riders: Labor Day, Memorial
        Day and New Year 2012 (22.2, 13.7 and 10.7 spreads) held the bar at 22-31 spreads through
        2016, over injected gains of 15-35. Measured (bench._eventdiag synthetic tuning
        false-tuning false-synthetic spread --plain --draws 3 --only daily, 2026-12-06, against
        main at 5b3c429): real tuning daily F1 0.844 -> 0.886 (tp 823 -> 903, fp 123 -> 132, fn
        181 -> 101: under the bar 59 -> 22, below the page's 30-day extreme 111 -> 67), its
        false flags 0.09 -> 0.10 per 30 days; synthetic daily 0.928 -> 0.921 (tp 58, fp 4 -> 5,
        also raised with nothing injected), its false flags 0.04 either way."""
        earlier = [
            range(days.start - back, days.stop - back) for back in year_earlier(days.stop - 1)
        ]
        out = [x for x in self.learnt if any(x[0] in r for r in earlier)]
        self.learnt = [x for x in self.learnt if x not in out]
        return [(tail, peak) for _day, tail, peak in out]

    def flag(self, days: range) -> None:
        """`days` held a flagged event: not the page's calendar."""
        for day in days:
            if day not in self.flagged:
                self.flagged.append(day)
        self.flagged = [d for d in self.flagged if d >= self.first]

    def add(self, day: int, z: float) -> None:
        """One fetch's deviation; two fetches on one day add up. Rounded where it enters, so
        a rescan and live rounds through a stored state keep the very same numbers."""
        if not self.z:
            self.first = day
        if day < self.first:
            return  # older than anything kept: records are read in time order
        index = day - self.first
        if index >= len(self.z):
            self.z.extend([None] * (index + 1 - len(self.z)))
        old = self.z[index]
        self.z[index] = round((old or 0.0) + z, 1)
        drop = len(self.z) - MEMORY_DAYS
        if drop > 0:
            del self.z[:drop]
            self.first += drop

    def total(self, days: Iterable[int]) -> float:
        """The deviations of `days` added up (a day not kept counts as none)."""
        out = 0.0
        for day in days:
            index = day - self.first
            if 0 <= index < len(self.z) and self.z[index] is not None:
                out += self.z[index]
        return out

    def recurs(self, days: range, sign: int) -> bool:
        """Whether the deviation over `days` (the way `sign` says) is the page's calendar: the
        same days a year earlier moved that way by at least SHARE of it, and either no event
        was flagged on them or the same days two years earlier moved so too. Never with less
        than a year kept."""
        days = range(max(days.start, days.stop - WINDOW_DAYS), days.stop)
        # A day flagged as an event of its own (a purge in the middle of a season's decline)
        # is reported by itself: counted here too, it made the season's move too large for a
        # year earlier to match, and the season was flagged as a second event.
        now = sign * self.total(day for day in days if day not in self.flagged)
        return now > 0 and self._seen(days, sign, now)

    def _kept_a_year_before(self, days: range) -> bool:
        """Whether any of the same days a year before `days` is kept (the calendar could judge
        `days` when they came)."""
        return any(days.start - back >= self.first for back in year_earlier(days.stop - 1))

    def _seen(self, days: range, sign: int, now: float | None) -> bool:
        """Whether the same days a year before `days` moved that way by SHARE of `now`; when
        an event was flagged on them, whether the same days a year before that moved that way
        too (`now` None: by LEAST); when they were flagged in the page's first year, whether
        they moved that way by LEAST."""
        for back in year_earlier(days.stop - 1):
            earlier = range(days.start - back, days.stop - back)
            if earlier.start < self.first:
                continue  # not kept: less than a year of history
            flagged = any(day in self.flagged for day in earlier)
            # Flagged in the page's first year, before the calendar could judge them (see
            # "A page's first year" above): moved that way, clear of the noise, is enough.
            first_year = now is not None and flagged and not self._kept_a_year_before(earlier)
            least = LEAST if now is None or first_year else max(SHARE * now, LEAST)
            if sign * self.total(earlier) < least:
                continue
            if now is None or not flagged or first_year:
                return True
            # Two years back the days need only have moved the same way, clear of the noise
            # (LEAST): the year between already matched the size, and the days of a page's
            # first year are in the wider spreads of a young page. Measured against this
            # year's move, a holiday the first year saw was flagged a third year: Chicago's
            # Clark/Lake station, Thanksgiving 2011-2013 in the data set's days, -13.4, -34.0
            # and -48.6 spreads (real tuning daily, bench._eventdiag 2026-12-06).
            if self._seen(earlier, sign, None):
                return True
        return False
