"""A page sampled daily has its own calendar: what the same days did a year before is not news."""

import calendar
import datetime as dt

import numpy as np

from likewatch.events import recurrence
from likewatch.events.detect import GAIN, PURGE, Detector, Span

DAY = 86400


def _epoch_day(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def thanksgiving(year: int) -> dt.date:
    """The fourth Thursday of November."""
    days = calendar.Calendar().itermonthdates(year, 11)
    thursdays = [d for d in days if d.month == 11 and d.weekday() == 3]
    return thursdays[3]


def daily_page(
    years: int,
    *,
    dips: set[dt.date],
    purge: dt.date | None = None,
    seed: int = 3,
    purged: int = 400,
    autumn: float = 0.0,
):
    """Records of a page fetched once a day at midnight from 1 January 1970: about 1,000 joins a
    day (fewer at weekends), 150 fewer on each day in `dips` (a holiday), and `purged` removed
    on `purge`; each autumn `autumn` fewer a day at the bottom of a season (see `_autumn`). The
    value fetched at midnight holds the day before."""
    rng = np.random.default_rng(seed)
    start = dt.date(1970, 1, 1)
    records, value = [], 1_000_000
    for i in range(years * 365):
        day = start + dt.timedelta(days=i)
        joins = 1000 * (0.8 if day.weekday() >= 5 else 1.0) + rng.normal(0, 12)
        if day in dips:
            joins -= 150
        joins -= autumn * _autumn(day)
        if day == purge:
            joins -= purged
        value += round(joins)
        at = float((i + 1) * DAY)  # fetched the next midnight
        records.append(Span(i + 1, value, 1, at, at, 1))
    return records


def _autumn(day: dt.date) -> float:
    """A season's slow decline every year, as births have in October: from none on 1
    September down to all of it on 15 October, and back up by 30 November."""
    into = (day - dt.date(day.year, 9, 1)).days
    if 0 <= into <= 44:
        return into / 44
    if 44 < into <= 90:
        return 1 - (into - 44) / 46
    return 0.0


def flagged_on(findings, day: dt.date, kind: str = PURGE) -> bool:
    """Whether an event of `kind` covers the day (a fetch at the next midnight holds it)."""
    at = (_epoch_day(day) + 1) * DAY
    return any(f.kind == kind and f.start < at <= f.end for f in findings)


def test_a_dip_every_christmas_and_thanksgiving_is_the_page_s_calendar_once_it_recurred():
    years = range(1970, 1974)
    dips = {dt.date(y, 12, 25) for y in years} | {thanksgiving(y) for y in years}
    findings = Detector(DAY).run(daily_page(4, dips=dips))
    # Flagged the first time (no year before it); the page's first year was flagged before its
    # calendar could judge it, so the same dip a year on is the calendar; never flagged again.
    assert flagged_on(findings, dt.date(1970, 12, 25))
    for year in (1971, 1972, 1973):
        assert not flagged_on(findings, dt.date(year, 12, 25)), year
        assert not flagged_on(findings, thanksgiving(year)), year
    # Thanksgiving moves (26 November 1970, 23 November 1972): the fourth Thursday is found
    # 52 or 53 weeks back, not on the same date.
    assert thanksgiving(1972).day != thanksgiving(1971).day


def test_a_purge_on_an_ordinary_day_is_still_flagged_on_a_page_with_a_calendar():
    years = range(1970, 1974)
    dips = {dt.date(y, 12, 25) for y in years} | {thanksgiving(y) for y in years}
    purge = dt.date(1973, 6, 13)
    findings = Detector(DAY).run(daily_page(4, dips=dips, purge=purge))
    assert flagged_on(findings, purge)


def test_holidays_on_the_calendar_do_not_raise_the_bar_for_a_purge_on_an_ordinary_day():
    # Six holidays a year, each 150 fewer joins; a purge of 250 on an ordinary day of the
    # fourth year. The holidays are the page's calendar, not its noise: learnt as its
    # ordinary drops, they held the bar above the purge (a strength of 14.0 against 14.7).
    years = range(1970, 1974)
    dips = {
        dt.date(y, m, d) for y in years for m, d in ((1, 1), (5, 30), (7, 4), (11, 11), (12, 25))
    } | {thanksgiving(y) for y in years}
    purge = dt.date(1973, 6, 13)
    findings = Detector(DAY).run(daily_page(4, dips=dips, purge=purge, purged=250))
    assert flagged_on(findings, purge)
    assert not flagged_on(findings, dt.date(1973, 12, 25))


def test_a_purge_on_a_holiday_far_beyond_its_usual_dip_is_flagged():
    years = range(1970, 1974)
    dips = {dt.date(y, 12, 25) for y in years}
    findings = Detector(DAY).run(daily_page(4, dips=dips, purge=dt.date(1973, 12, 25)))
    assert flagged_on(findings, dt.date(1973, 12, 25))


def test_an_event_flagged_a_year_before_on_the_same_date_is_no_calendar():
    # Bought likes on 10 March two years running, after the page's first year: the second is
    # flagged too (the first was flagged by a calendar that could judge it, as an event, and
    # one year of recurrence is a coincidence when the first was an event).
    rng = np.random.default_rng(5)
    records, value = [], 1_000_000
    for i in range(3 * 365):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=i)
        bought = 400 if (day.month, day.day) == (3, 10) and day.year > 1970 else 0
        value += round(1000 + rng.normal(0, 12)) + bought
        at = float((i + 1) * DAY)
        records.append(Span(i + 1, value, 1, at, at, 1))
    findings = Detector(DAY).run(records)
    assert flagged_on(findings, dt.date(1971, 3, 10), GAIN)
    assert flagged_on(findings, dt.date(1972, 3, 10), GAIN)


def test_the_same_days_a_year_earlier_are_the_date_and_the_weekday_52_or_53_weeks_back():
    christmas = _epoch_day(dt.date(1973, 12, 25))
    assert 365 in recurrence.year_earlier(christmas)
    day = _epoch_day(thanksgiving(1972))  # 23 November; 25 November 1971, 52 weeks back
    assert day - _epoch_day(thanksgiving(1971)) in recurrence.year_earlier(day)
    day = _epoch_day(thanksgiving(1974))  # 28 November; 22 November 1973, 53 weeks back
    assert day - _epoch_day(thanksgiving(1973)) in recurrence.year_earlier(day)
    leap = _epoch_day(dt.date(1972, 2, 29))  # a year earlier: 28 February
    assert 366 in recurrence.year_earlier(leap)


def test_only_a_page_sampled_daily_keeps_a_calendar_in_its_state_and_only_two_years_of_it():
    daily = Detector(DAY)
    daily.run(daily_page(3, dips=set()))
    first, days, flagged, learnt = daily.state()["calendar"]
    assert len(days) == recurrence.MEMORY_DAYS
    assert first + len(days) - 1 == 3 * 365 - 1  # up to the last day fetched
    assert Detector(DAY, state=Detector.unpack(daily.packed())).state() == daily.state()
    assert "calendar" not in Detector(300).state()


def test_a_purge_in_a_season_s_decline_is_one_event_of_its_own_size():
    # Each autumn joins fall by up to 120 a day (the page's calendar, flagged its first two
    # years); on 10 October of the fourth year, 1,000 are purged. The purge is flagged once,
    # with its own size: the season around it is neither a second event nor counted in the
    # purge's. Before, the purge's day made the season's decline too large for the years
    # before to match, and one slow drop from 3 September to 19 October of 3,640 was flagged.
    purge = dt.date(1973, 10, 10)
    page = daily_page(4, dips=set(), purge=purge, purged=1000, autumn=120)
    findings = Detector(DAY).run(page)
    autumn = (_epoch_day(dt.date(1973, 9, 1)) * DAY, _epoch_day(dt.date(1973, 12, 1)) * DAY)
    in_autumn = [f for f in findings if f.kind in (GAIN, PURGE) and autumn[0] < f.end <= autumn[1]]
    assert len(in_autumn) == 1
    [event] = in_autumn
    assert flagged_on([event], purge)
    assert abs(event.size + 1000) <= 60


def test_a_holiday_kept_on_the_monday_after_is_the_page_s_calendar():
    # A dip every Fourth of July, kept on Monday 5 July in 1976 (the 4th a Sunday); a year
    # earlier it was on Friday the 4th, 367 days back: neither the date (366, 1976 a leap
    # year) nor 52 or 53 weeks. The 1976 dip is the page's calendar, not news.
    dips = {dt.date(1970 + y, 7, 4) for y in range(6)} | {dt.date(1976, 7, 5)}
    findings = Detector(DAY).run(daily_page(7, dips=dips))
    assert not flagged_on(findings, dt.date(1976, 7, 5))
    assert 367 in recurrence.year_earlier(_epoch_day(dt.date(1976, 7, 5)))


def test_a_holiday_a_young_page_s_first_autumn_saw_is_flagged_once():
    # A page first fetched in mid-August (as the Chicago L stations of the real tuning series,
    # 2011-2016): its first Thanksgiving comes while its spread is still a young page's, wide,
    # and that dip reads as few spreads as a later year's (Clark/Lake: -13.4, -34.0 and -48.6
    # spreads in 2011, 2012 and 2013). Flagged the first year (no year before it kept), never
    # after: that flag was raised before the calendar could judge the day, so the same dip a
    # year on is the calendar, not an event recurring (it was flagged again the second year).
    rng = np.random.default_rng(3)
    start = dt.date(1970, 8, 15)
    years = range(1970, 1974)
    holiday = {thanksgiving(y) + dt.timedelta(days=k) for y in years for k in (0, 1)}
    records, value = [], 1_000_000
    for i in range(round(3.5 * 365)):
        day = start + dt.timedelta(days=i)
        # 10,000 a weekday, 4,000 a weekend day, 3 % noise; 60 % fewer on Thanksgiving and
        # the Friday after.
        joins = 10_000 * (0.4 if day.weekday() >= 5 else 1.0) * (1 + rng.normal(0, 0.03))
        if day in holiday:
            joins *= 0.4
        value += round(joins)
        at = float((_epoch_day(day) + 1) * DAY)
        records.append(Span(i + 1, value, 1, at, at, 1))
    findings = Detector(DAY).run(records)
    assert flagged_on(findings, thanksgiving(1970))
    assert not flagged_on(findings, thanksgiving(1971))
    assert not flagged_on(findings, thanksgiving(1972))
    assert not flagged_on(findings, thanksgiving(1973))


def _station(years: float, gain_on: dt.date, gain: int, seed: int = 3) -> list[Span]:
    """A transit station's entries, counted down (its count falls by each day's entries, as half
    the real tuning Chicago L stations are), first fetched in mid-August: 10,000 a weekday, 4,000
    a weekend day, 3 % noise; a third fewer on six holidays a year (`_holiday`), so each is a
    "gain" of about 3,000; `gain` more on `gain_on`."""
    rng = np.random.default_rng(seed)
    start = dt.date(1970, 8, 15)
    records, value = [], 5_000_000
    for i in range(round(years * 365)):
        day = start + dt.timedelta(days=i)
        factor = 0.4 if day.weekday() >= 5 else 0.7 if _holiday(day) else 1.0
        value -= round(10_000 * factor * (1 + rng.normal(0, 0.03)))
        if day == gain_on:
            value += gain
        at = float((_epoch_day(day) + 1) * DAY)
        records.append(Span(i + 1, value, 1, at, at, 1))
    return records


def _holiday(day: dt.date) -> bool:
    """New Year, the Fourth of July and Christmas (kept on the Friday before or the Monday after
    at a weekend), Memorial Day, Labor Day and Thanksgiving."""
    fixed = {(1, 1), (7, 4), (12, 25)}
    observed = (day.month, day.day) in fixed
    observed |= day.weekday() == 4 and (day + dt.timedelta(days=1)).timetuple()[1:3] in fixed
    observed |= day.weekday() == 0 and (day - dt.timedelta(days=1)).timetuple()[1:3] in fixed
    mondays = [
        d
        for d in calendar.Calendar().itermonthdates(day.year, day.month)
        if d.month == day.month and d.weekday() == 0
    ]
    return (
        observed
        or day == thanksgiving(day.year)
        or (day.month == 5 and day == mondays[-1])
        or (day.month == 9 and day == mondays[0])
    )


def test_a_young_page_s_first_holidays_leave_its_tail_once_the_calendar_knows_them():
    # The station's first year of holidays came before its calendar could know them: learnt as
    # its ordinary one-day "gains" (entries counted down: a holiday's fewer riders), they held
    # the bar over a gain of 3,000 (about 10 spreads) on an ordinary Wednesday of its fourth
    # year, for good: its gains are rare, so their tail never gathers the peaks to forget by
    # generations (as Chicago L's Quincy/Wells, real tuning, bench._eventdiag 2026-12-06). A
    # year on, the same days recurred and the calendar knows them as the page's own: the first
    # year's leave the tail as the later years' never enter it.
    wednesday = dt.date(1973, 6, 13)
    findings = Detector(DAY).run(_station(3.5, wednesday, 3_000))
    assert flagged_on(findings, wednesday, GAIN)
    gains = [f for f in findings if f.kind == GAIN]
    assert len(gains) == 1  # no holiday
