"""Text and links that come from platforms, made safe to store and to show.

A platform (or a tracked site) controls the names, handles, links and error messages it sends.
Two rules hold for all of them, at the boundary where a source hands them over:

- control characters go: NUL makes PostgreSQL refuse the whole transaction it appears in, and
  the others only hide things. Explicit bidirectional embeddings, overrides and isolates go
  too (U+202A-U+202E, U+2066-U+2069): a name with a right-to-left override could reverse the
  text around it. Line breaks and tabs become spaces. The marks that only set direction
  (U+200E, U+200F, U+061C) stay: Arabic names need them and they cannot reorder other text.
- a link is kept only when it is http or https; `javascript:`, `data:` and the like become "".
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# C0 and C1 controls and DEL, bidi embeddings/overrides/isolates, and the BOM / separators
# that break lines in some renderers.
_DROPPED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[\t\n\r\u2028\u2029]+")


def clean(text: str | None) -> str:
    """`text` without control or bidi-override characters, line breaks turned into spaces."""
    if not text:
        return ""
    return _DROPPED.sub("", _SPACES.sub(" ", str(text)))


def safe_link(url: str | None) -> str:
    """`url` when it is an http(s) address with a host, else ""."""
    if not url:
        return ""
    url = clean(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url
