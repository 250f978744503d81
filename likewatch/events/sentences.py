"""The sentence that explains an event, built when it is shown, in the reader's language.

Nothing translated is stored: the event keeps numbers and times, and the sentence is made
from them under the active language (Django's `translation.override` or the request's
LocaleMiddleware), so one event reads in Arabic, French or English.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from likewatch import formatting
from likewatch.events.detect import FAST_RING
from likewatch.events.models import Event, Kind, Status

# The units a duration is given to, in seconds: a day, an hour, a minute, a second.
_UNITS = (86400, 3600, 60, 1)


def _count(value: float) -> str:
    return formatting.number(round(abs(value)))


def _moment(value) -> str:
    return formatting.full_moment(value)


def moments(event: Event) -> tuple[str, str]:
    """The event's start and end as full moments, with their seconds when the minutes alone
    would read the same ("from 15:54 UTC to 15:54 UTC" says nothing)."""
    start, end = _moment(event.start), _moment(event.end)
    if start == end and event.start != event.end:
        start = formatting.full_moment(event.start, seconds=True)
        end = formatting.full_moment(event.end, seconds=True)
    return start, end


def _minutes(event: Event) -> int:
    return max(1, round((event.end - event.start).total_seconds() / 60))


def explain(event: Event) -> str:
    """One sentence for `event`, what the figures make of it, and the organisers' verdict
    when there is one."""
    return " ".join(
        part for part in (_KINDS[event.kind](event), apart(event), verdict(event)) if part
    )


def apart(event: Event) -> str:
    """How the figures treat a flagged move (the rule of likewatch.events.apart): an unusual
    gain or drop is not counted as people until an organiser dismisses it. The sentence names
    the figure left out, the event's size (what the history does not explain), which the
    board, the card, the feed and the API show apart: the move itself (+7,540 measured
    against −4,500 predicted) is not that figure (+12,040), and a reader must not have to
    work out which of the two is kept apart."""
    if event.status == Status.DISMISSED:
        return ""
    size = formatting.isolated({"size": _signed(event.size)})
    if event.kind == Kind.GAIN:
        return (
            _("The part its history does not explain (%(size)s) is not counted as people joining.")
            % size
        )
    if event.kind == Kind.PURGE:
        return (
            _("The part its history does not explain (%(size)s) is not counted as people leaving.")
            % size
        )
    return ""


def verdict(event: Event) -> str:
    """'Confirmed by the organisers: <note>' or 'Dismissed…', or '' while not reviewed."""
    if event.status == Status.CONFIRMED:
        return (
            _("Confirmed by the organisers: %(note)s") % formatting.isolated({"note": event.note})
            if event.note
            else _("Confirmed by the organisers.")
        )
    if event.status == Status.DISMISSED:
        return (
            _("Dismissed by the organisers: %(note)s") % formatting.isolated({"note": event.note})
            if event.note
            else _("Dismissed by the organisers.")
        )
    return ""


def _values(event: Event) -> dict:
    start, end = moments(event)
    return {
        "page": event.page.label,
        "size": _count(event.size),
        "expected": _count(event.expected),
        "seen": _count(event.seen),
        "start": start,
        "end": end,
        "minutes": _minutes(event),
        "duration": formatting.minutes(_minutes(event)),
    }


def _window(event: Event) -> str:
    """'between 02:10 and 02:15 on 12 March 2016' (or two full moments across days)."""
    if formatting.utc(event.start).date() == formatting.utc(event.end).date():
        # A window inside one minute (pages fetched more often, as the demo's) gives its
        # seconds: "between 15:58 and 15:58" would say nothing.
        seconds = formatting.clock(event.start) == formatting.clock(event.end)
        return _("between %(start)s and %(end)s on %(day)s") % formatting.isolated(
            {
                "start": formatting.clock(event.start, seconds=seconds),
                "end": formatting.clock(event.end, seconds=seconds),
                "day": formatting.date(event.start),
            }
        )
    start, end = moments(event)
    return _("between %(start)s and %(end)s") % formatting.isolated({"start": start, "end": end})


def _measured(event: Event, what: str) -> str:
    """What was measured, and against what: never more than the numbers say."""
    details = event.details or {}
    parts = [
        what
        % {
            **formatting.isolated({"page": event.page.label, "size": _signed(event.seen)}),
            "window": _window(event),  # words of the sentence's own language, isolated inside
        }
    ]
    largest = details.get("largest_step")
    days = details.get("largest_step_days")
    if largest is not None and days:
        parts += _larger_than_any(event, details.get("steps"), largest, days)
    text = ", ".join(parts) + ". "
    text += _(
        "The page's own history predicted %(expected)s over that time."
    ) % formatting.isolated({"expected": _signed(event.expected)})
    spacing = details.get("archive_spacing")
    if spacing:
        # Judged by likewatch.events.archives: the archive's counts, not the page's fetches.
        text += " " + _(
            "These counts were imported from an archive, about %(spacing)s apart, and the "
            "change is judged against the archive's own counts at that spacing."
        ) % formatting.isolated({"spacing": formatting.duration(timedelta(seconds=spacing))})
    if details.get("short_history"):
        text += " " + _short(details, spacing)
    elif details.get("threshold") is not None:
        text += " " + _(
            "By its own history, a change this far from its usual pattern happens less "
            "than once in 30 days."
        )
    return text


def _larger_than_any(event: Event, steps: int | None, largest: float, days: int) -> list[str]:
    """'Larger than any ... in the last N days', when the page's own record proves it: its
    largest change between two fetches that way on each day the detector kept
    (likewatch.events.detect: `_largest`, a change per interval). A move over several fetches
    is held against the most the page could have moved in as long: that largest change times
    the intervals its window spans, a bound on every change over as long in those days (the
    demo's bought likes, +5,517 over three fetches ten seconds apart, against at most +55 a
    fetch: at most +166 in as long). Only a move the count made the page's largest change's
    way is held against it (a page that rose by 80 where its pace said more made no drop
    larger than its largest drop), and a step over missed fetches is a move over as long as
    it took, not one between two fetches (the demo's storm: 31 intervals)."""
    if not steps or event.seen * largest <= 0:
        return []
    intervals = _intervals(event)
    if steps == 1 and intervals < 1.5:
        if abs(event.seen) <= abs(largest):
            return []
        return [
            ngettext(
                "larger than any change between two fetches in the last %(days)d day "
                "(the largest was %(largest)s)",
                "larger than any change between two fetches in the last %(days)d days "
                "(the largest was %(largest)s)",
                days,
            )
            % formatting.isolated({"days": days, "largest": _signed(largest)})
        ]
    bound = largest * max(steps, intervals)
    if abs(event.seen) <= abs(bound):
        return []
    return [
        ngettext(
            "larger than any change over as long in the last %(days)d day (at most "
            "%(bound)s: no change between two fetches was over %(largest)s)",
            "larger than any change over as long in the last %(days)d days (at most "
            "%(bound)s: no change between two fetches was over %(largest)s)",
            days,
        )
        % formatting.isolated({"days": days, "bound": _signed(bound), "largest": _signed(largest)})
    ]


def _intervals(event: Event) -> float:
    """How many of the page's fetch intervals the event's window spans (missed fetches in
    it included: a window over a gap is as long as the gap)."""
    return (event.end - event.start).total_seconds() / max(1, event.page.interval)


def _short(details: dict, spacing) -> str:
    """What a flag raised on a short history rests on. Too little history says nothing of how
    rare the move is, so such a flag is raised only when the count moved that way more than
    twice as fast as it ever had before (likewatch.events.detect: SHORT_STEP_FACTOR, in
    `_dwarfs` and `_before_warm`); the sentence says both, so that "too little history"
    does not read as a doubt about the flag nor the flag as a measure of rarity."""
    if spacing:
        days = max(1, round(float(details.get("history_days", 0))))
        history = ngettext(
            "The archive holds only %(days)d day of counts before it: too little history to "
            "say how rare such a change is.",
            "The archive holds only %(days)d days of counts before it: too little history to "
            "say how rare such a change is.",
            days,
        ) % formatting.isolated({"days": days})
    elif float(details.get("history_days", 0)) * 24 < 1:
        history = _(
            "The page has been tracked for less than an hour: too little history to say how "
            "rare such a change is."
        )
    else:
        hours = round(float(details.get("history_days", 0)) * 24)
        history = ngettext(
            "The page has been tracked for only %(hours)d hour: too little history to say "
            "how rare such a change is.",
            "The page has been tracked for only %(hours)d hours: too little history to say "
            "how rare such a change is.",
            hours,
        ) % formatting.isolated({"hours": hours})
    return (
        history
        + " "
        + _("It is flagged because the count moved more than twice as fast as it ever had before.")
    )


def _abrupt(event: Event) -> str | None:
    """How long an abrupt gain or drop took ('40 seconds', '3 minutes'), or None when it was
    not abrupt. Abrupt is measured against the page's own scale of change, not in fetches
    alone (three fetches are 30 seconds on the demo, three days on a daily page): the move
    was a burst of the fast baseline (begun with a step far off its recent pace) and was over
    within FAST_RING fetches, the span over which that baseline reads the page's recent pace
    (likewatch.events.detect: a move shorter than that is a step on top of the pace, not a
    change of it), and the count then went back to that pace: the fetch after it was within
    the baseline's allowance of the pace before it (details["back_to_pace"], written by the
    detector when it judged the burst over). An event still open, or longer than that window
    (a burst merged into a slower move), says nothing of the kind; nor does a move over
    missed fetches, longer in time than that window, which may have come at any moment
    of it (the demo's storm: one step over 31 intervals)."""
    details = event.details or {}
    if not details.get("back_to_pace") or event.ongoing:
        return None
    if event.seq_to - event.seq_from > FAST_RING:
        return None
    if _intervals(event) > FAST_RING:
        return None
    return _span(event.end - event.start, event.page.interval)


def _span(took: timedelta, interval: float) -> str:
    """`took` in words at the precision of the page's fetches: to the second for a page
    fetched more often than once a minute, to the minute, hour or day as it is fetched at
    least that rarely (a window between two 1-minute fetches is 3 minutes, not 3 minutes 2
    seconds: the fetches themselves are seconds off the dot)."""
    unit = next(u for u in _UNITS if u <= max(1, interval))
    rounded = timedelta(seconds=round(took.total_seconds() / unit) * unit)
    return formatting.duration(rounded, seconds=unit == 1)


def _evidence(event: Event, gain: bool) -> list[str]:
    details = event.details or {}
    found = []
    if gain and details.get("campaign_down"):
        found.append(_("the page was losing people to a campaign at the time"))
    took = _abrupt(event)
    if took is not None:
        values = formatting.isolated({"duration": took})
        found.append(
            _("the gain came within %(duration)s and then stopped") % values
            if gain
            else _("the drop came within %(duration)s and then stopped") % values
        )
    if details.get("platform_checked") and not details.get("platform_pages"):
        found.append(_("no other tracked page of the platform moved at the time"))
    return found


def _platform(event: Event) -> str:
    """What the other tracked pages of the platform did: many moving with this one point at
    the platform (events.platform), and then no page-level explanation is offered."""
    count = (event.details or {}).get("platform_pages")
    if not count:
        return ""
    if event.platform_event_id is None:
        return " " + ngettext(
            "%(count)d other tracked page of the platform moved the same way at the same time.",
            "%(count)d other tracked pages of the platform moved the same way at the same time.",
            count,
        ) % formatting.isolated({"count": count})
    return " " + ngettext(
        "%(platform)s moved: %(count)d other tracked page of the platform moved the same way "
        "at the same time, most likely the platform itself (removing accounts or changing how "
        "it counts), not this page.",
        "%(platform)s moved: %(count)d other tracked pages of the platform moved the same way "
        "at the same time, most likely the platform itself (removing accounts or changing how "
        "it counts), not this page.",
        count,
    ) % formatting.isolated({"count": count, "platform": platform_name(event.page.platform)})


def platform_name(platform: str) -> str:
    """A platform's name as readers know it ("YouTube", "Facebook")."""
    return PLATFORM_NAMES.get(platform, platform.title())


PLATFORM_NAMES = {"youtube": "YouTube", "x": "X", "json": "JSON", "bluesky": "Bluesky"}


def explain_platform(event) -> str:
    """One sentence for a PlatformEvent: the platform moved, its pages did not."""
    values = {
        **formatting.isolated(
            {
                "platform": platform_name(event.platform),
                "pages": event.pages,
                "tracked": event.tracked,
                "size": _signed(event.size),
            }
        ),
        "window": _window(event),  # words of the sentence's own language
    }
    if event.kind == Kind.PURGE:
        return (
            ngettext(
                "%(pages)d of the %(tracked)d tracked pages on %(platform)s dropped at the same "
                "time, %(window)s: %(size)s in all. So many pages at once points at the platform "
                "itself (removing accounts or changing how it counts), not at each page; it is "
                "not counted as people leaving.",
                "%(pages)d of the %(tracked)d tracked pages on %(platform)s dropped at the same "
                "time, %(window)s: %(size)s in all. So many pages at once points at the platform "
                "itself (removing accounts or changing how it counts), not at each page; it is "
                "not counted as people leaving.",
                event.tracked,
            )
            % values
        )
    return (
        ngettext(
            "%(pages)d of the %(tracked)d tracked pages on %(platform)s gained at the same time, "
            "%(window)s: %(size)s in all. So many pages at once points at the platform itself "
            "(restoring accounts or changing how it counts), not at each page; it is not counted "
            "as people joining.",
            "%(pages)d of the %(tracked)d tracked pages on %(platform)s gained at the same time, "
            "%(window)s: %(size)s in all. So many pages at once points at the platform itself "
            "(restoring accounts or changing how it counts), not at each page; it is not counted "
            "as people joining.",
            event.tracked,
        )
        % values
    )


def _headline(event: Event, gain: bool) -> str:
    """'Inwi: a drop of −3,889', the count's own change, called a gain or a drop only when
    the count went that way. An unusual drop is a move below what the page's own pace
    predicted, and the count may still have risen: over a storm's unfetched minutes a page
    rose by 80 where its pace said +381 (the part its history does not explain, −301, is
    the event's size). "A drop of +80" said two things at once; "a change of +80", then what
    was predicted, says what was measured."""
    if event.seen > 0 and gain:
        return _("%(page)s: a gain of %(size)s %(window)s")
    if event.seen < 0 and not gain:
        return _("%(page)s: a drop of %(size)s %(window)s")
    return _("%(page)s: a change of %(size)s %(window)s")


def _gain(event: Event) -> str:
    if event.platform_event_id is not None:
        return _measured(event, _headline(event, gain=True)) + _platform(event)
    text = _measured(event, _headline(event, gain=True))
    evidence = _evidence(event, gain=True)
    # "Bought likes" is only ever a hypothesis, and only shown with the facts behind it.
    if event.details.get("campaign_down") and len(evidence) >= 2:
        text += " " + _("One possible explanation is bought likes: %(evidence)s.") % {
            "evidence": formatting.clauses(evidence)
        }
    return text + _platform(event)


def _purge(event: Event) -> str:
    if event.platform_event_id is not None:
        return _measured(event, _headline(event, gain=False)) + _platform(event)
    text = _measured(event, _headline(event, gain=False))
    evidence = _evidence(event, gain=False)
    if evidence:
        text += " " + _(
            "One possible explanation is the platform removing accounts: %(evidence)s."
        ) % {"evidence": formatting.clauses(evidence)}
    return text + _platform(event)


def _takeoff(event: Event) -> str:
    return _(
        "From %(start)s, %(page)s changed faster: %(seen)s per hour instead of %(expected)s."
    ) % formatting.isolated(
        {**_values(event), "expected": _signed(event.expected), "seen": _signed(event.seen)}
    )


def _fading(event: Event) -> str:
    return _(
        "From %(start)s, %(page)s changed more slowly: %(seen)s per hour instead of %(expected)s."
    ) % formatting.isolated(
        {**_values(event), "expected": _signed(event.expected), "seen": _signed(event.seen)}
    )


def _gap(event: Event) -> str:
    missed = round(event.size)
    return ngettext(
        "No count of %(page)s could be read from %(start)s to %(end)s (%(missed)d fetch "
        "missed): the chart shows a gap, never a guess.",
        "No count of %(page)s could be read from %(start)s to %(end)s (%(missed)d fetches "
        "missed): the chart shows a gap, never a guess.",
        missed,
    ) % formatting.isolated({**_values(event), "missed": missed})


def _stale(event: Event) -> str:
    return _(
        "The count of %(page)s did not change from %(start)s to %(end)s although its recent "
        "pace made about %(expected)s changes likely: the platform may have served a cached "
        "number."
    ) % formatting.isolated(_values(event))


def _switch(event: Event) -> str:
    return _(
        "On %(end)s the count of %(page)s jumped by %(seen)s to the level of its "
        "%(metric)s: the platform probably changed what it reports, nobody moved."
    ) % formatting.isolated(
        {**_values(event), "seen": _signed(event.seen), "metric": event.details.get("metric")}
    )


def _signed(value: float) -> str:
    return formatting.signed(round(value))


_KINDS = {
    Kind.GAIN: _gain,
    Kind.PURGE: _purge,
    Kind.TAKEOFF: _takeoff,
    Kind.FADING: _fading,
    Kind.GAP: _gap,
    Kind.STALE: _stale,
    Kind.METRIC_SWITCH: _switch,
}
