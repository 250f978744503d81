"""Fonts for share cards, chosen per text by what each font can actually draw.

Fonts come from Debian packages installed at set-up (`make fonts`: fonts-noto-core and
fonts-dejavu-core), never from the repository or the network. Pillow lays text out with
libraqm (HarfBuzz shaping + FriBiDi ordering), which is what joins Arabic letters and runs
them right to left; without it Arabic would come out as isolated letters, left to right.

Pillow cannot fall back from one font to another inside one string, so each string gets the
first font whose character map covers all of it: Noto Sans for Latin, Greek and Cyrillic,
Noto Sans Arabic for Arabic, DejaVu Sans (which has both scripts) for mixed names.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from fontTools.ttLib import TTFont
from PIL import ImageFont, features

log = logging.getLogger(__name__)

# (regular, bold) file names, in order of preference.
FAMILIES = [
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
]
# Invisible formatting characters need no glyph (bidi marks, joiners).
INVISIBLE = set(range(0x200B, 0x2010)) | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def font_dirs() -> list[Path]:
    return [Path(d) for d in settings.LIKEWATCH_CARD_FONT_DIRS]


@lru_cache(maxsize=32)
def _find(name: str) -> Path | None:
    for folder in font_dirs():
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=8)
def _coverage(path: Path) -> frozenset[int]:
    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def families() -> list[tuple[Path, Path]]:
    """The installed families, as (regular, bold) paths, in order of preference."""
    found = []
    for regular, bold in FAMILIES:
        r, b = _find(regular), _find(bold)
        if r and b:
            found.append((r, b))
    return found


def layout_engine() -> int:
    """Raqm when Pillow has it (needed for Arabic); basic layout otherwise, with a warning."""
    if features.check("raqm"):
        return ImageFont.Layout.RAQM
    log.warning("Pillow has no libraqm: Arabic on share cards will not be shaped.")
    return ImageFont.Layout.BASIC


def pick(text: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The font to draw `text` with at `size` pixels."""
    installed = families()
    if not installed:
        log.warning("No card fonts found in %s; using Pillow's default font.", font_dirs())
        return ImageFont.load_default(size)
    needed = {ord(c) for c in text if not c.isspace() and ord(c) not in INVISIBLE}

    def missing(family: tuple[Path, Path]) -> int:
        return len(needed - _coverage(family[0]))

    # The first family that covers everything, else the one that misses fewest characters.
    family = min(installed, key=missing)
    return _load(family[1] if bold else family[0], size)


@lru_cache(maxsize=64)
def _load(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, layout_engine=layout_engine())
