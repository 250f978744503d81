"""The sentence that explains an event, built when it is shown, in the reader's language.

Nothing translated is stored: the event keeps numbers and times, and the sentence is made
from them under the active language (Django's `translation.override` or the request's
LocaleMiddleware), so one event reads in Arabic, French or English.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from likewatch import formatting
from likewatch.events.models import Event, Kind, Status


def _count(value: float) -> str:
    return formatting.number(round(abs(value)))


def _moment(value) -> str:
    return formatting.full_moment(value)


def _minutes(event: Event) -> int:
    return max(1, round((event.end - event.start).total_seconds() / 60))


def explain(event: Event) -> str:
    """One sentence for `event`, followed by the organisers' verdict when there is one."""
    text = _KINDS[event.kind](event)
    return f"{text} {verdict(event)}".strip()


def verdict(event: Event) -> str:
    """'Confirmed by the organisers: <note>' or 'Dismissed…', or '' while not reviewed."""
    if event.status == Status.CONFIRMED:
        return (
            _("Confirmed by the organisers: %(note)s") % {"note": event.note}
            if event.note
            else _("Confirmed by the organisers.")
        )
    if event.status == Status.DISMISSED:
        return (
            _("Dismissed by the organisers: %(note)s") % {"note": event.note}
            if event.note
            else _("Dismissed by the organisers.")
        )
    return ""


def _values(event: Event) -> dict:
    return {
        "page": event.page.label,
        "size": _count(event.size),
        "expected": _count(event.expected),
        "seen": _count(event.seen),
        "start": _moment(event.start),
        "end": _moment(event.end),
        "minutes": _minutes(event),
        "duration": formatting.minutes(_minutes(event)),
    }


def _gain(event: Event) -> str:
    values = _values(event)
    text = _(
        "%(page)s gained %(size)s more than its recent pace explains in %(duration)s "
        "from %(start)s (expected a change of %(expected)s, measured %(seen)s)."
    ) % {**values, "expected": _signed(event.expected), "seen": _signed(event.seen)}
    if event.details.get("campaign_down"):
        text += " " + _("It happened while a campaign was driving the page down.")
    return text


def _purge(event: Event) -> str:
    values = _values(event)
    return _(
        "%(page)s lost %(size)s more than its recent pace explains in %(duration)s "
        "from %(start)s (expected a change of %(expected)s, measured %(seen)s): the platform "
        "may have removed accounts."
    ) % {**values, "expected": _signed(event.expected), "seen": _signed(event.seen)}


def _takeoff(event: Event) -> str:
    return _(
        "From %(start)s, %(page)s changed faster: %(seen)s per hour instead of %(expected)s."
    ) % {**_values(event), "expected": _signed(event.expected), "seen": _signed(event.seen)}


def _fading(event: Event) -> str:
    return _(
        "From %(start)s, %(page)s changed more slowly: %(seen)s per hour instead of %(expected)s."
    ) % {**_values(event), "expected": _signed(event.expected), "seen": _signed(event.seen)}


def _gap(event: Event) -> str:
    missed = round(event.size)
    return ngettext(
        "No count of %(page)s could be read from %(start)s to %(end)s (%(missed)d fetch "
        "missed): the chart shows a gap, never a guess.",
        "No count of %(page)s could be read from %(start)s to %(end)s (%(missed)d fetches "
        "missed): the chart shows a gap, never a guess.",
        missed,
    ) % {**_values(event), "missed": missed}


def _stale(event: Event) -> str:
    return _(
        "The count of %(page)s did not change from %(start)s to %(end)s although its recent "
        "pace made about %(expected)s changes likely: the platform may have served a cached "
        "number."
    ) % _values(event)


def _switch(event: Event) -> str:
    return _(
        "On %(end)s the count of %(page)s jumped by %(seen)s to the level of its "
        "%(metric)s: the platform probably changed what it reports, nobody moved."
    ) % {**_values(event), "seen": _signed(event.seen), "metric": event.details.get("metric")}


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
