"""Reading a count the way a web page shows it to people.

Pages write counts for their readers: "1,234,567" (English), "1 234 567" with no-break or
narrow no-break spaces (French), "1.234.567" (German), Arabic-Indic digits ("١٢٣٤" and the
Persian "۱۲۳۴", with the Arabic separators ٬ and ٫), and abbreviations: "1.2M", "3,1 k",
"12K", "12 مليون", "1,2 M", "12 k abonnés".

An abbreviated number is recorded with its precision, the step of its last shown digit:
"1.2M" is value 1,200,000 with precision 100,000. Platforms truncate when they abbreviate
(a page with 1,299,999 followers shows "1.2M"), so, as for every `Count`, the true count lies
in [value, value + precision). A number written in full has precision 1.
"""

from __future__ import annotations

import re

from likewatch.sources.base import Count
from likewatch.sources.errors import InvalidAnswer

DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Arabic thousands and decimal separators, and every space a page may put between groups.
SEPARATORS = str.maketrans({"٬": ",", "٫": ".", "\u00a0": " ", "\u202f": " ", "\u2009": " "})
# Invisible direction marks that Arabic pages put around numbers.
MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"), None)

# Multiplier words and letters, longest first so "mn" is not read as "m".
SUFFIXES = {
    "thousand": 10**3,
    "mille": 10**3,
    "ألف": 10**3,
    "الف": 10**3,
    "آلاف": 10**3,
    "k": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "mio": 10**6,
    "mn": 10**6,
    "مليون": 10**6,
    "ملايين": 10**6,
    "m": 10**6,
    "billion": 10**9,
    "milliard": 10**9,
    "milliards": 10**9,
    "mrd": 10**9,
    "md": 10**9,
    "bn": 10**9,
    "مليار": 10**9,
    "b": 10**9,
}
SUFFIX = "|".join(sorted(map(re.escape, SUFFIXES), key=len, reverse=True))
NUMBER = re.compile(
    # Spaces group thousands only before exactly three digits: "in 2016 12 k" is not 201,612.
    r"(?<![\w.,])(?P<number>\d+(?:[.,'’]\d+| \d{3}(?!\d))*)"
    rf"(?:\s?(?P<suffix>{SUFFIX})(?![^\W\d_]))?",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """ASCII digits, ASCII separators and plain spaces; direction marks removed."""
    return text.translate(DIGITS).translate(SEPARATORS).translate(MARKS)


def parse_count(text: str) -> Count:
    """The first count written in `text`, with its precision. Raises InvalidAnswer.

    A bare decimal ("1,2" with no multiplier) is not a count and is refused rather than
    guessed at.
    """
    clean = normalise(text)
    match = NUMBER.search(clean)
    if not match:
        raise InvalidAnswer(f"no number in {text.strip()[:80]!r}")
    number = match.group("number").strip()
    suffix = match.group("suffix")
    if suffix:
        value, precision = _abbreviated(number, SUFFIXES[suffix.lower()], text)
    else:
        value, precision = _whole(number, text), 1
    if value <= 0:
        raise InvalidAnswer(f"{text.strip()[:80]!r} is not a count we can trust")
    return Count(value, precision)


def _groups(number: str) -> list[str]:
    return re.split(r"[.,' ’]", number)


def _whole(number: str, text: str) -> int:
    """A number written in full: every separator groups thousands."""
    groups = _groups(number)
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        raise InvalidAnswer(f"{text.strip()[:80]!r} is not a whole number")
    return int("".join(groups))


def _abbreviated(number: str, multiplier: int, text: str) -> tuple[int, int]:
    """'1.2' with 'M': the last separator before 1 or 2 digits is the decimal point."""
    groups = _groups(number)
    decimals = ""
    if len(groups) > 1 and len(groups[-1]) != 3:
        decimals = groups.pop()
    whole = _whole(",".join(groups), text) if len(groups) > 1 else int(groups[0])
    step = multiplier // 10 ** len(decimals)
    if step < 1:
        raise InvalidAnswer(f"{text.strip()[:80]!r} has more decimals than its unit allows")
    value = whole * multiplier + (int(decimals) * step if decimals else 0)
    return value, step
