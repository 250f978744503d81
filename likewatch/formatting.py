"""How numbers, signs, percentages, times and durations read, in the active language.

The one home of this rule on the server: the board, share cards, embeds, feeds, event
sentences, alerts and the command line all format through here, so a figure quoted from one
surface reads the same on every other. Locale data comes from CLDR through Babel: digits,
grouping and decimal marks as each locale says (Django's own Arabic formats turn grouping off,
which printed "168634"). Browsers format with Intl from the same CLDR data.

Conventions, everywhere:
- a negative number carries U+2212 MINUS SIGN, never "-" (a hyphen); a positive change "+";
- an unknown value reads "–" (an en dash), never 0;
- a time shown as text says its zone ("15:43 UTC"); the reader's own zone is the browser's job;
- exports and APIs use ISO 8601 in UTC (`iso`), never a localised date;
- a sentence built on the server puts each value it inserts (a page's name, a URL, a number,
  a date) in a Unicode isolate, FSI…PDI, when the two directions can differ (`isolated`): in
  an Arabic sentence "MarocTelecom" or "−4,104" otherwise takes the full stop or the colon
  beside it along and the words come out of order. FSI/PDI work in plain text (feeds, alert
  bodies, share-card text) and in HTML alike (where a template can also use <bdi>).
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_timedelta
from babel.numbers import (
    format_compact_decimal,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
)
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

MINUS = "\u2212"
PLUS = "+"
UNKNOWN = "\u2013"
NBSP = "\u00a0"
FSI = "\u2068"  # FIRST STRONG ISOLATE: the text inside takes its own direction
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE


@functools.lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def locale() -> Locale:
    """The CLDR locale of the active language."""
    return _locale(translation.get_language() or settings.LANGUAGE_CODE)


def _digits(value: float, decimals: int) -> str:
    """abs(value), rounded to `decimals`, grouped as the locale says."""
    size = round(abs(value), decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(size, format=pattern, locale=locale(), numbering_system="default")


def _is_zero(value: float, decimals: int) -> bool:
    return round(value, decimals) == 0


def number(value: int | float | None, decimals: int = 0) -> str:
    """A count: '3,149,900' (en), '3 149 900' (fr); '−12' when negative; '–' when unknown."""
    if value is None:
        return UNKNOWN
    text = _digits(value, decimals)
    return MINUS + text if value < 0 and not _is_zero(value, decimals) else text


def signed(value: int | float | None, decimals: int = 0) -> str:
    """A change: '+1,234', '−1,234', '0'; '–' when unknown."""
    if value is None:
        return UNKNOWN
    text = _digits(value, decimals)
    if _is_zero(value, decimals):
        return text
    return (PLUS if value > 0 else MINUS) + text


def percent(value: float | None, signed_: bool = True) -> str:
    """A percentage precise enough to show small moves of big pages ('−0.018 %')."""
    if value is None:
        return UNKNOWN
    size = abs(value)
    decimals = 1 if size >= 10 else 2 if size >= 0.1 else 3
    text = signed(value, decimals) if signed_ else number(value, decimals)
    return text + NBSP + "%"


def compact(value: int | float | None) -> str:
    """A short form for tight places: '3.15M', '3,15 M', '3.15 مليون'; exact below 10,000."""
    if value is None:
        return UNKNOWN
    if abs(value) < 10_000:
        return number(round(value))
    text = format_compact_decimal(
        abs(value),
        format_type="short",
        fraction_digits=2,
        locale=locale(),
        numbering_system="default",
    )
    return MINUS + text if value < 0 else text


def estimate(value: float, low: float, high: float) -> tuple[int, int, int]:
    """An estimate and its 95 % interval rounded alike, to the power of ten at most a
    twentieth of the interval's width: (52_086.4, 49_284.2, 54_793.7) -> (52_100, 49_300,
    54_800). Digits finer than the interval can tell apart are noise a journalist would
    quote as fact ("about +52,086"); an interval of under 20 keeps every unit."""
    width = abs(high - low) / 20
    step = 10 ** max(0, math.floor(math.log10(width))) if width >= 1 else 1
    return round(value / step) * step, round(low / step) * step, round(high / step) * step


def separators() -> dict[str, str]:
    """The active language's group and decimal marks, for scripts that write numbers as the
    server does."""
    loc = locale()
    return {
        "group": get_group_symbol(loc, numbering_system="default"),
        "decimal": get_decimal_symbol(loc, numbering_system="default"),
    }


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str:
    """ISO 8601 in UTC to the second ('2026-11-26T15:43:00Z'): exports and machine readers."""
    if value is None:
        return ""
    return utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day(value: datetime, now: datetime | None = None) -> str:
    """'12 March' or 'March 12' as the locale says, with the year when it is not this one."""
    value = utc(value)
    this_year = utc(now or timezone.now()).year
    skeleton = "MMMMd" if value.year == this_year else "yMMMMd"
    return format_skeleton(skeleton, value, locale=locale())


def date(value: datetime) -> str:
    """'1 Dec 2026', '1 déc. 2026', '1 ديسمبر 2026'."""
    return format_skeleton("yMMMd", utc(value), locale=locale())


def clock(value: datetime, seconds: bool = False) -> str:
    """'15:43 UTC': the time of day, with its zone ('15:43:07 UTC' with its seconds)."""
    return format_skeleton("Hms" if seconds else "Hm", utc(value), locale=locale()) + " UTC"


def moment(value: datetime | None, now: datetime | None = None) -> str:
    """A measurement time: '15:43 UTC' today, '1 Dec 2026, 15:43 UTC' otherwise."""
    if value is None:
        return _("never")
    today = utc(now or timezone.now()).date()
    if utc(value).date() == today:
        return clock(value)
    return full_moment(value)


def full_moment(value: datetime, seconds: bool = False) -> str:
    """'1 Dec 2026, 15:43 UTC' in the active language ('15:43:07 UTC' with its seconds)."""
    return _("%(date)s, %(time)s") % {"date": date(value), "time": clock(value, seconds)}


def relative(value: datetime, now: datetime | None = None) -> str:
    """'3 minutes ago', 'in 2 hours', as the locale says (CLDR plural rules)."""
    delta = utc(value) - utc(now or timezone.now())
    if abs(delta) < timedelta(minutes=1):
        return _("just now")
    return format_timedelta(delta, add_direction=True, locale=locale())


def duration(value: timedelta | None, seconds: bool = False) -> str:
    """'3 days 4 hours', '5 hours 10 minutes', '1 minute'; '–' when out of reach. With its
    `seconds` ('40 seconds', '2 minutes 30 seconds'), for what happens within a few fetches
    of a page fetched more often than once a minute ('less than a minute' would say nothing)."""
    if value is None:
        return UNKNOWN
    if not seconds and timedelta(0) < value < timedelta(minutes=1):
        return _("less than a minute")
    if seconds:
        minutes, rest = divmod(round(value.total_seconds()), 60)
    else:
        minutes, rest = int(value.total_seconds() // 60), 0
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": number(days)})
    if hours and len(parts) < 2:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": number(hours)})
    if (minutes or not (parts or seconds)) and len(parts) < 2:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": number(minutes)})
    if seconds and (rest or not parts) and len(parts) < 2:
        parts.append(ngettext("%(n)s second", "%(n)s seconds", rest) % {"n": number(rest)})
    return " ".join(parts)


def minutes(count: int) -> str:
    """'1 minute', '5 minutes' (with the right plural in every language)."""
    return ngettext("%(n)s minute", "%(n)s minutes", count) % {"n": number(count)}


def people(count: int) -> str:
    """'1 person', '5 people', and Arabic's six forms (no 'شخصًا' after zero)."""
    return ngettext("%(n)s person", "%(n)s people", abs(count)) % {"n": number(count)}


def clauses(parts: list[str]) -> str:
    """Clauses of one sentence, each a fact of its own: 'a; b; c' in English, 'a ; b ; c' in
    French, 'a؛ b؛ c' in Arabic (the semicolon as each language writes it)."""
    return pgettext("between the clauses of one sentence", "; ").join(parts)


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def isolate(text: str) -> str:
    """`text` as one unit of a sentence in the active language: FSI…PDI around it when its
    direction may differ from the sentence's (any value in a right-to-left language, text
    with right-to-left letters in a left-to-right one), unchanged otherwise."""
    if not text or (text.startswith(FSI) and text.endswith(PDI)):
        return text
    if translation.get_language_bidi() or _has_rtl(text):
        return FSI + text + PDI
    return text


def isolated(values: Mapping[str, Any]) -> dict[str, Any]:
    """A sentence's substitutions with every text value isolated (see `isolate`); numbers
    given as numbers (for %d) stay numbers. Use it wherever a translated sentence is filled:
    `_("%(page)s: a drop of %(size)s") % formatting.isolated({...})`."""
    return {key: isolate(v) if isinstance(v, str) else v for key, v in values.items()}
