"""Making user- and platform-provided strings safe to show as one line of plain text.

Escaping (HTML, XML, CSV) is each surface's job; this removes what no surface should pass
on from a name or a title: control characters (which also make XML invalid) and bidi
embeddings, overrides and isolates, which would reorder whatever is shown after them. Joiners
(ZWJ, ZWNJ) stay: Arabic-script and other writing needs them.
"""

from __future__ import annotations

import re
import unicodedata

# Runs of whitespace to collapse, except no-break spaces: numbers are grouped with them
# ("60\u202f000" in French) and must not be split across lines or turned into two numbers.
BREAKABLE_SPACE = re.compile(r"[^\S\u00a0\u202f\u2007]+")

BIDI_CONTROLS = frozenset([0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def one_line(text: str | None) -> str:
    """`text` without controls or bidi overrides, its whitespace collapsed to single spaces."""
    if not text:
        return ""
    kept = []
    for char in text:
        if ord(char) in BIDI_CONTROLS:
            continue
        category = unicodedata.category(char)
        # Cc: C0/C1 controls; Cs/Co/Cn: surrogates, private use, unassigned.
        kept.append(" " if category in ("Cc", "Cs", "Cn") else char)
    return BREAKABLE_SPACE.sub(" ", "".join(kept)).strip()
