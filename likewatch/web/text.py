"""Making user- and platform-provided strings safe to show as one line of plain text.

Escaping (HTML, XML, CSV) is each surface's job; this removes what no surface should pass
on from a name or a title: control characters (which also make XML invalid) and bidi
embeddings, overrides and isolates, which would reorder whatever is shown after them. Joiners
(ZWJ, ZWNJ) stay: Arabic-script and other writing needs them. So do the first-strong isolates
that come in matched pairs (FSI…PDI): they are how a sentence built on the server keeps a
page's name or a number in its place (likewatch.formatting.isolate) and, closed, they cannot
reorder anything outside them.
"""

from __future__ import annotations

import re
import unicodedata

from likewatch.formatting import FSI, PDI

# Runs of whitespace to collapse, except no-break spaces: numbers are grouped with them
# ("60\u202f000" in French) and must not be split across lines or turned into two numbers.
BREAKABLE_SPACE = re.compile(r"[^\S\u00a0\u202f\u2007]+")

BIDI_CONTROLS = frozenset([0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _matched_isolates(text: str) -> set[int]:
    """Positions of the FSI and PDI characters of `text` that close each other."""
    opened: list[int] = []
    matched: set[int] = set()
    for position, char in enumerate(text):
        if char == FSI:
            opened.append(position)
        elif char == PDI and opened:
            matched.update((opened.pop(), position))
    return matched


def one_line(text: str | None) -> str:
    """`text` without controls or bidi overrides (matched FSI…PDI pairs stay), its whitespace
    collapsed to single spaces."""
    if not text:
        return ""
    keep = _matched_isolates(text) if FSI in text else set()
    kept = []
    for position, char in enumerate(text):
        if ord(char) in BIDI_CONTROLS and position not in keep:
            continue
        category = unicodedata.category(char)
        # Cc: C0/C1 controls; Cs/Co/Cn: surrogates, private use, unassigned.
        kept.append(" " if category in ("Cc", "Cs", "Cn") else char)
    return BREAKABLE_SPACE.sub(" ", "".join(kept)).strip()
